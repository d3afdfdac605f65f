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
}

const COLUMNS = 'client_id, name, scopes, partner_id, created_at, revoked_at, last_used_at';

export interface NewClient {
  name: string;
  scopes: Scope[];
  partnerId?: string;
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
    `INSERT INTO api_clients (client_id, name, secret_hash, scopes, partner_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (client_id) DO NOTHING RETURNING ${COLUMNS}`,
    [clientId, name, hashSecret(secret), input.scopes, input.partnerId ?? null],
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

export async function getClient(db: Sql, clientId: string): Promise<ApiClient | undefined> {
  const [row] = await db.query<ApiClient>(`SELECT ${COLUMNS} FROM api_clients WHERE client_id = $1`, [clientId]);
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

/** Checks a client id and secret; answers the client only when both match and it is not revoked. */
export async function verifyClientSecret(db: Sql, clientId: string, secret: string): Promise<ApiClient | undefined> {
  const [row] = await db.query<ApiClient & { secret_hash: string }>(
    `SELECT ${COLUMNS}, secret_hash FROM api_clients WHERE client_id = $1`,
    [clientId],
  );
  // Hash even when the client is unknown so both paths take the same time.
  const ok = secretMatches(secret, row?.secret_hash ?? '0'.repeat(64));
  if (!row || !ok || row.revoked_at) return undefined;
  const { secret_hash: _, ...client } = row;
  return client;
}
