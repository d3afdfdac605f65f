import { Type } from 'typebox';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Sql } from '../db/index.ts';
import { AppError } from '../shared/errors.ts';
import { decrypt, encrypt } from '../shared/keyring.ts';

const KEY = /^[\x21-\x7e]{1,255}$/;

interface Stored {
  request_hash: string;
  status_code: number;
  response_body: unknown;
  method: string;
  path: string;
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(JSON.stringify(request.body ?? null))
    .digest('hex');
}

/**
 * Runs a write once per Idempotency-Key: the same key with the same body replays the first
 * response; the same key with another body is a 409. The key is stored in the same transaction
 * as the write, so a crash can never leave one without the other. Only successful responses are
 * kept: a rejected request can be corrected and retried with its key.
 */
export async function idempotentWrite<T>(
  db: Database,
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  work: (tx: Sql) => Promise<T>,
  /** `sealed`: the answer holds a secret (a new client secret, a signing secret), so it is kept encrypted under the key ring, never in clear. */
  options: { sealed?: boolean } = {},
): Promise<T> {
  const { sealed = false } = options;
  const header = request.headers['idempotency-key'];
  reply.status(status);
  if (header === undefined) return db.transaction(work);
  const key = Array.isArray(header) ? header[0] : header;
  if (!KEY.test(key)) throw new AppError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters.');
  // A caller without a client (a public form) is keyed by its address, so strangers' keys never meet.
  const clientId = request.caller?.clientId ?? `anonymous:${request.ip}`;
  const hash = requestHash(request);

  const ttlHours = request.server.ctx.config.idempotencyTtlHours;
  const replay = async (): Promise<T | undefined> => {
    const [stored] = await db.query<Stored>(
      `SELECT request_hash, status_code, response_body, method, path FROM idempotency_keys
       WHERE client_id = $1 AND key = $2 AND created_at > now() - make_interval(hours => $3)`,
      [clientId, key, ttlHours],
    );
    if (!stored) return undefined;
    if (stored.request_hash !== hash)
      throw new AppError(409, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request; use a new key.');
    reply.header('Idempotent-Replayed', 'true');
    reply.status(stored.status_code);
    const body = stored.response_body as { sealed_answer?: string } | null;
    if (body && typeof body === 'object' && typeof body.sealed_answer === 'string' && Object.keys(body).length === 1)
      return JSON.parse(decrypt(body.sealed_answer)) as T;
    return stored.response_body as T;
  };

  const earlier = await replay();
  if (earlier !== undefined) return earlier;
  try {
    return await db.transaction(async (tx) => {
      const result = await work(tx);
      await tx.query(`DELETE FROM idempotency_keys WHERE client_id = $1 AND key = $2 AND created_at <= now() - make_interval(hours => $3)`, [
        clientId,
        key,
        ttlHours,
      ]);
      await tx.query(
        `INSERT INTO idempotency_keys (client_id, key, method, path, request_hash, status_code, response_body)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
        [clientId, key, request.method, request.url, hash, status, JSON.stringify(sealed ? { sealed_answer: encrypt(JSON.stringify(result)) } : result)],
      );
      return result;
    });
  } catch (err) {
    // Another request with the same key committed first: answer as that one did.
    if ((err as { code?: string }).code === '23505') {
      const winner = await replay();
      if (winner !== undefined) return winner;
    }
    throw err;
  }
}

/** Forgets answers older than the retention period (OPENIB_IDEMPOTENCY_TTL_HOURS). */
export async function purgeExpiredIdempotencyKeys(db: Sql, ttlHours: number): Promise<number> {
  const rows = await db.query(`DELETE FROM idempotency_keys WHERE created_at <= now() - make_interval(hours => $1) RETURNING 1`, [ttlHours]);
  return rows.length;
}

/** The request header, declared on the POST routes that honour it. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      maxLength: 255,
      description: 'Makes a retry safe: the same key with the same body replays the first answer (with `Idempotent-Replayed: true`) instead of acting twice.',
    }),
  ),
});
