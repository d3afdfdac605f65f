import type { Sql } from '../db/index.ts';
import { AppError } from '../shared/errors.ts';
import type { Scope } from './scopes.ts';
import { hashSecret, newClientId, newClientSecret, secretMatches } from './secrets.ts';

export interface ApiClient {
  client_id: string;
  name: string;
  scopes: string[];
  partner_id: string | null;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  /** CIDR blocks the client may call from; empty = anywhere. */
  allowed_ips: string[];
  secret_rotated_at: string | null;
  /** Until when the secret before the last rotation still works; null when it no longer does. */
  previous_secret_expires_at: string | null;
}

/** Longest overlap a rotation may keep the previous secret valid: 30 days. */
export const MAX_OVERLAP_SECONDS = 30 * 86400;
export const DEFAULT_OVERLAP_SECONDS = 86400;

const COLUMNS = `client_id, name, scopes, partner_id, created_at, revoked_at, last_used_at, coalesce(allowed_ips, '{}') AS allowed_ips,
  secret_rotated_at, CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS previous_secret_expires_at`;

export interface NewClient {
  name: string;
  scopes: Scope[];
  partnerId?: string;
  allowedIps?: string[];
  /** Given only by OPENIB_ADMIN_CLIENT_ID/SECRET; otherwise generated. */
  clientId?: string;
  secret?: string;
}

/** Creates an API client. The secret is returned here once and only its hash is stored. */
export async function createClient(db: Sql, input: NewClient): Promise<ApiClient & { client_secret: string }> {
  const name = input.name.trim();
  if (!name || name.length > 200) throw new AppError(422, 'validation_failed', 'name must be 1–200 characters.');
  if (input.scopes.length === 0) throw new AppError(422, 'validation_failed', 'at least one scope is required.');
  const clientId = input.clientId ?? newClientId();
  const secret = input.secret ?? newClientSecret();
  const [row] = await db.query<ApiClient>(
    `INSERT INTO api_clients (client_id, name, secret_hash, scopes, partner_id, allowed_ips) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (client_id) DO NOTHING RETURNING ${COLUMNS}`,
    [clientId, name, hashSecret(secret), input.scopes, input.partnerId ?? null, input.allowedIps?.length ? input.allowedIps : null],
  );
  if (!row) throw new AppError(409, 'client_exists', `An API client with id ${clientId} already exists.`);
  return { ...row, client_secret: secret };
}

/** Makes the configured admin client exist with exactly this secret (automated deployments). */
export async function ensureClient(db: Sql, clientId: string, secret: string, name: string, scopes: Scope[]) {
  await db.query(
    `INSERT INTO api_clients (client_id, name, secret_hash, scopes) VALUES ($1, $2, $3, $4)
     ON CONFLICT (client_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, scopes = EXCLUDED.scopes, revoked_at = NULL`,
    [clientId, name, hashSecret(secret), scopes],
  );
}

export async function listClients(db: Sql): Promise<ApiClient[]> {
  return db.query<ApiClient>(`SELECT ${COLUMNS} FROM api_clients ORDER BY created_at, client_id`);
}

export async function getClient(db: Sql, clientId: string, lock = false): Promise<ApiClient | undefined> {
  const [row] = await db.query<ApiClient>(`SELECT ${COLUMNS} FROM api_clients WHERE client_id = $1${lock ? ' FOR UPDATE' : ''}`, [clientId]);
  return row;
}

/** Revokes a client: its tokens stop working on their next request. */
export async function revokeClient(db: Sql, clientId: string): Promise<ApiClient | undefined> {
  const [row] = await db.query<ApiClient>(
    `UPDATE api_clients SET revoked_at = coalesce(revoked_at, now()) WHERE client_id = $1 RETURNING ${COLUMNS}`,
    [clientId],
  );
  return row;
}

/**
 * Gives a client a new secret. The current one becomes the previous secret and keeps working for
 * overlapSeconds (0 ends it at once), so callers can switch without downtime.
 */
export async function rotateClientSecret(
  db: Sql,
  clientId: string,
  overlapSeconds: number,
): Promise<(ApiClient & { client_secret: string }) | undefined> {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS)
    throw new AppError(422, 'validation_failed', `overlap_seconds must be an integer from 0 to ${MAX_OVERLAP_SECONDS} (30 days).`, [
      { field: 'overlap_seconds', reason: `must be 0–${MAX_OVERLAP_SECONDS}` },
    ]);
  const secret = newClientSecret();
  const [row] = await db.query<ApiClient>(
    `UPDATE api_clients SET previous_secret_hash = CASE WHEN $3::int > 0 THEN secret_hash END,
       previous_secret_expires_at = CASE WHEN $3::int > 0 THEN now() + make_interval(secs => $3::int) END,
       secret_hash = $2, secret_rotated_at = now()
     WHERE client_id = $1 RETURNING ${COLUMNS}`,
    [clientId, hashSecret(secret), overlapSeconds],
  );
  return row ? { ...row, client_secret: secret } : undefined;
}

/** Ends the overlap of the last rotation now: only the newest secret works afterwards. */
export async function revokePreviousSecret(db: Sql, clientId: string): Promise<ApiClient | undefined> {
  const [row] = await db.query<ApiClient>(
    `UPDATE api_clients SET previous_secret_hash = NULL, previous_secret_expires_at = NULL WHERE client_id = $1 RETURNING ${COLUMNS}`,
    [clientId],
  );
  return row;
}

export interface ClientChanges {
  name?: string;
  scopes?: Scope[];
  /** null or [] clears the allowlist. */
  allowedIps?: string[] | null;
}

export async function updateClient(db: Sql, clientId: string, changes: ClientChanges): Promise<ApiClient | undefined> {
  const [row] = await db.query<ApiClient>(
    `UPDATE api_clients SET name = coalesce($2, name), scopes = coalesce($3, scopes),
       allowed_ips = CASE WHEN $4::boolean THEN $5::text[] ELSE allowed_ips END
     WHERE client_id = $1 RETURNING ${COLUMNS}`,
    [
      clientId,
      changes.name?.trim() ?? null,
      changes.scopes ?? null,
      changes.allowedIps !== undefined,
      changes.allowedIps?.length ? changes.allowedIps : null,
    ],
  );
  return row;
}

/**
 * Checks a client id and secret; answers the client only when the secret matches the current one
 * (or the previous one inside its overlap window) and the client is not revoked.
 */
export async function verifyClientSecret(db: Sql, clientId: string, secret: string): Promise<ApiClient | undefined> {
  const [row] = await db.query<ApiClient & { secret_hash: string; previous_hash: string | null }>(
    `SELECT ${COLUMNS}, secret_hash, CASE WHEN previous_secret_expires_at > now() THEN previous_secret_hash END AS previous_hash
     FROM api_clients WHERE client_id = $1`,
    [clientId],
  );
  // Hash and compare both secrets even when the client is unknown, so every path takes the same time.
  const current = secretMatches(secret, row?.secret_hash ?? '0'.repeat(64));
  const previous = secretMatches(secret, row?.previous_hash ?? '0'.repeat(64));
  if (!row || !(current || (previous && row.previous_hash)) || row.revoked_at) return undefined;
  const { secret_hash: _, previous_hash: __, ...client } = row;
  return client;
}
