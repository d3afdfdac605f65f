import { randomBytes } from 'node:crypto';
import type { Sql } from '../../db/index.ts';
import { hashToken, newToken } from '../../shared/crypto.ts';
import { decrypt, encrypt } from '../../shared/keyring.ts';
import { AppError, conflict, notFound, validationFailed } from '../../shared/errors.ts';

/*
 * An inbound source is one sender: a CRM posting signed webhooks (auth "signature"), a system
 * that can only present an API key and then a session token (auth "handshake"), or a CRM firing
 * postbacks with a token in the URL (kind "postback", auth "token").
 */

export type SourceKind = 'webhook' | 'postback';
export type SourceAuth = 'signature' | 'handshake' | 'token';

export interface Source {
  id: string;
  name: string;
  kind: SourceKind;
  auth: SourceAuth;
  mapping: string | null;
  enabled: boolean;
  events_in: number;
  records_in: number;
  records_rejected: number;
  last_event_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** The credential a source was given, shown once at creation and rotation. */
export interface SourceCredential {
  /** Standard Webhooks signing secret ("whsec_…"), for auth "signature". */
  secret?: string;
  /** API key for the handshake, for auth "handshake". */
  api_key?: string;
  /** Token for the postback URL, for auth "token". */
  token?: string;
}

const COLUMNS = 'id, name, kind, auth, mapping, enabled, events_in, records_in, records_rejected, last_event_at, last_error, created_at, updated_at';

export interface NewSource {
  id: string;
  name: string;
  kind: SourceKind;
  auth: SourceAuth;
  mapping?: string;
}

function checkShape(input: { kind: SourceKind; auth: SourceAuth; mapping?: string | null }) {
  if (input.kind === 'postback' && input.auth !== 'token') throw validationFailed([{ field: 'auth', reason: 'must be "token" for a postback source' }]);
  if (input.kind === 'webhook' && input.auth === 'token') throw validationFailed([{ field: 'auth', reason: 'must be "signature" or "handshake" for a webhook source' }]);
  if (input.kind === 'webhook' && !input.mapping) throw validationFailed([{ field: 'mapping', reason: 'is required for a webhook source: name the mapping its events use' }]);
}

function newCredential(auth: SourceAuth) {
  if (auth === 'signature') {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    return { credential: { secret }, sealed: encrypt(secret), hash: null };
  }
  const token = newToken(auth === 'handshake' ? 'oik' : 'opb');
  return { credential: auth === 'handshake' ? { api_key: token } : { token }, sealed: null, hash: hashToken(token) };
}

/** `knownSecret` gives a signature source a fixed secret (the demo data set's well-known one). */
export async function createSource(db: Sql, input: NewSource, knownSecret?: string): Promise<{ source: Source; credential: SourceCredential }> {
  checkShape(input);
  const c =
    knownSecret && input.auth === 'signature'
      ? { credential: { secret: knownSecret }, sealed: encrypt(knownSecret), hash: null }
      : newCredential(input.auth);
  const [row] = await db.query<Source>(
    `INSERT INTO connector_sources (id, name, kind, auth, mapping, secret_sealed, key_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
    [input.id, input.name, input.kind, input.auth, input.mapping ?? null, c.sealed, c.hash],
  );
  if (!row) throw conflict('source_exists', `A source with id "${input.id}" already exists; choose another id.`);
  return { source: row, credential: c.credential };
}

export async function listSources(db: Sql): Promise<Source[]> {
  return db.query<Source>(`SELECT ${COLUMNS} FROM connector_sources ORDER BY id`);
}

export async function getSource(db: Sql, id: string): Promise<Source> {
  const [row] = await db.query<Source>(`SELECT ${COLUMNS} FROM connector_sources WHERE id = $1`, [id]);
  if (!row) throw notFound(`Source "${id}"`);
  return row;
}

export async function updateSource(db: Sql, id: string, patch: { name?: string; mapping?: string; enabled?: boolean }): Promise<Source> {
  const current = await getSource(db, id);
  checkShape({ kind: current.kind, auth: current.auth, mapping: patch.mapping ?? current.mapping });
  const [row] = await db.query<Source>(
    `UPDATE connector_sources SET name = coalesce($2, name), mapping = coalesce($3, mapping), enabled = coalesce($4, enabled), updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, patch.name ?? null, patch.mapping ?? null, patch.enabled ?? null],
  );
  return row;
}

export async function deleteSource(db: Sql, id: string): Promise<void> {
  const rows = await db.query('DELETE FROM connector_sources WHERE id = $1 RETURNING id', [id]);
  if (rows.length === 0) throw notFound(`Source "${id}"`);
}

/** Issues a new secret, API key or token; the old one stops working at once, and open sessions end. */
export async function rotateSource(db: Sql, id: string): Promise<{ source: Source; credential: SourceCredential }> {
  const current = await getSource(db, id);
  const c = newCredential(current.auth);
  const [row] = await db.query<Source>(
    `UPDATE connector_sources SET secret_sealed = $2, key_hash = $3, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, c.sealed, c.hash],
  );
  await db.query('DELETE FROM connector_sessions WHERE source_id = $1', [id]);
  return { source: row, credential: c.credential };
}

/** The source and its signing secret (opened), for verifying a webhook; undefined when unknown. */
export async function sourceForSignature(db: Sql, id: string): Promise<{ source: Source; secret?: string } | undefined> {
  const [row] = await db.query<Source & { secret_sealed: string | null }>(`SELECT ${COLUMNS}, secret_sealed FROM connector_sources WHERE id = $1`, [id]);
  if (!row) return undefined;
  const { secret_sealed, ...source } = row;
  return { source, secret: secret_sealed ? decrypt(secret_sealed) : undefined };
}

/** The source a handshake API key or postback token belongs to. */
export async function sourceByKey(db: Sql, key: string): Promise<Source | undefined> {
  const [row] = await db.query<Source>(`SELECT ${COLUMNS} FROM connector_sources WHERE key_hash = $1`, [hashToken(key)]);
  return row;
}

export const SESSION_TTL_SECONDS = 300;

export async function openSession(db: Sql, sourceId: string): Promise<{ sessionToken: string; expiresIn: number }> {
  const sessionToken = newToken('ois');
  await db.query('DELETE FROM connector_sessions WHERE expires_at < now()');
  await db.query(`INSERT INTO connector_sessions (token_hash, source_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`, [
    hashToken(sessionToken),
    sourceId,
    SESSION_TTL_SECONDS,
  ]);
  return { sessionToken, expiresIn: SESSION_TTL_SECONDS };
}

/** Whether a session token is live for this source. */
export async function sessionValid(db: Sql, sourceId: string, token: string): Promise<'ok' | 'expired' | 'unknown'> {
  const [row] = await db.query<{ live: boolean }>('SELECT expires_at > now() AS live FROM connector_sessions WHERE token_hash = $1 AND source_id = $2', [
    hashToken(token),
    sourceId,
  ]);
  if (!row) return 'unknown';
  return row.live ? 'ok' : 'expired';
}

export const sourceDisabled = (id: string) => new AppError(403, 'source_disabled', `Source "${id}" is disabled; an admin can enable it again.`);
