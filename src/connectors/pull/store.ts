import type { Sql } from '../../db/index.ts';
import { decrypt, encrypt } from '../../shared/keyring.ts';
import { conflict, notFound, validationFailed } from '../../shared/errors.ts';
import { LAG_SQL, ROWS_PER_MINUTE_SQL } from './catalogue.ts';
import { configIssues, type PullKind, type Secrets } from './config.ts';

/** A connector as admins see it: configuration without secrets, and how it is doing. */
export interface ConnectorView {
  id: string;
  name: string;
  kind: PullKind | 'nats';
  status: 'active' | 'paused';
  interval_seconds: number;
  config: Record<string, unknown>;
  has_secrets: boolean;
  cursor: Record<string, unknown>;
  last_run_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
  records_in: number;
  records_rejected: number;
  lag_seconds: number | null;
  applied_through: string | null;
  rows_per_minute: number;
  created_at: string;
  updated_at: string;
}

const VIEW = `id, name, kind, status, interval_seconds, config, secrets_sealed IS NOT NULL AS has_secrets, cursor, last_run_at,
  last_success_at, last_error, consecutive_failures, records_in, records_rejected,
  (${LAG_SQL})::float8 AS lag_seconds, applied_through, (${ROWS_PER_MINUTE_SQL}) AS rows_per_minute, created_at, updated_at`;

export interface NewConnector {
  id: string;
  name: string;
  kind: PullKind;
  interval_seconds?: number;
  config: Record<string, unknown>;
  secrets?: Secrets;
}

export async function createConnector(db: Sql, input: NewConnector): Promise<ConnectorView> {
  const issues = configIssues(input.kind, input.config, input.secrets);
  if (issues.length) throw validationFailed(issues, `The connector configuration is invalid: ${issues.length} problem(s); see details.`);
  const sealed = input.secrets && Object.keys(input.secrets).length ? encrypt(JSON.stringify(input.secrets)) : null;
  const [row] = await db.query<ConnectorView>(
    `INSERT INTO connectors (id, name, kind, interval_seconds, config, secrets_sealed) VALUES ($1, $2, $3, $4, $5::jsonb, $6)
     ON CONFLICT (id) DO NOTHING RETURNING ${VIEW}`,
    [input.id, input.name, input.kind, input.interval_seconds ?? 300, JSON.stringify(input.config), sealed],
  );
  if (!row) throw conflict('connector_exists', `A connector with id "${input.id}" already exists; choose another id.`);
  return row;
}

export async function listConnectors(db: Sql): Promise<ConnectorView[]> {
  return db.query<ConnectorView>(`SELECT ${VIEW} FROM connectors ORDER BY id`);
}

export async function getConnector(db: Sql, id: string): Promise<ConnectorView> {
  const [row] = await db.query<ConnectorView>(`SELECT ${VIEW} FROM connectors WHERE id = $1`, [id]);
  if (!row) throw notFound(`Connector "${id}"`);
  return row;
}

export interface ConnectorPatch {
  name?: string;
  status?: 'active' | 'paused';
  interval_seconds?: number;
  config?: Record<string, unknown>;
  secrets?: Secrets;
  /** Start over from the beginning of the source (the upserts make re-reading harmless). */
  reset_cursor?: boolean;
}

export async function updateConnector(db: Sql, id: string, patch: ConnectorPatch): Promise<ConnectorView> {
  const current = await getConnector(db, id);
  if (current.kind === 'nats') throw validationFailed([{ field: 'id', reason: 'the queue feed is configured with OPENIB_NATS_* settings' }]);
  if (patch.config || patch.secrets) {
    const kept = current.kind === 'match_trader' ? { api_key: 'kept' } : current.kind === 'rest' ? {} : { mysql_url: 'mysql://kept' };
    const issues = configIssues(current.kind, patch.config ?? current.config, patch.secrets ?? (current.has_secrets ? kept : {}));
    if (issues.length) throw validationFailed(issues);
  }
  const sealed = patch.secrets ? encrypt(JSON.stringify(patch.secrets)) : null;
  const [row] = await db.query<ConnectorView>(
    `UPDATE connectors SET name = coalesce($2, name), status = coalesce($3, status), interval_seconds = coalesce($4, interval_seconds),
       config = coalesce($5::jsonb, config), secrets_sealed = coalesce($6, secrets_sealed),
       cursor = CASE WHEN $7 THEN '{}'::jsonb ELSE cursor END,
       consecutive_failures = CASE WHEN $3 = 'active' THEN 0 ELSE consecutive_failures END, updated_at = now()
     WHERE id = $1 RETURNING ${VIEW}`,
    [id, patch.name ?? null, patch.status ?? null, patch.interval_seconds ?? null, patch.config ? JSON.stringify(patch.config) : null, sealed, patch.reset_cursor ?? false],
  );
  return row;
}

export async function deleteConnector(db: Sql, id: string): Promise<void> {
  const rows = await db.query('DELETE FROM connectors WHERE id = $1 RETURNING id', [id]);
  if (rows.length === 0) throw notFound(`Connector "${id}"`);
}

/** The connector's stored configuration and opened secrets, for a run. */
export async function loadForRun(db: Sql, id: string) {
  const [row] = await db.query<{ kind: PullKind | 'nats'; config: Record<string, unknown>; secrets_sealed: string | null; cursor: Record<string, unknown>; status: string }>(
    'SELECT kind, config, secrets_sealed, cursor, status FROM connectors WHERE id = $1',
    [id],
  );
  if (!row) throw notFound(`Connector "${id}"`);
  const secrets: Secrets = row.secrets_sealed ? JSON.parse(decrypt(row.secrets_sealed)) : {};
  return { kind: row.kind, config: row.config, secrets, cursor: row.cursor, status: row.status };
}
