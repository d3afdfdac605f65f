import type { FastifyRequest } from 'fastify';
import type { Sql } from '../db/index.ts';
import { type AuditRecord, recordAudit } from './record.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once a route has written its own audit entry, so the fallback hook does not add another. */
    audited?: boolean;
  }
}

const SECRET_KEY = /secret|password|passphrase|token|api[_-]?key|private[_-]?key|authorization|cookie|signing|credential/i;

/** A copy of a value with every secret-looking field replaced, for the before/after of an audit entry. */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 20) return '[nested]';
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && v !== null && typeof v !== 'boolean' && !k.endsWith('_at') ? '[redacted]' : withoutSecrets(v, depth + 1);
  }
  return out;
}

/** Who acted: the caller's audit id (`user:<id>` for a signed-in person), else anonymous. */
export function actorOf(request: FastifyRequest): string {
  return request.caller?.clientId ?? 'anonymous';
}

/**
 * Writes one audit entry for this request in the caller's transaction (who and from where come
 * from the request; secrets are stripped from before and after) and marks the request audited.
 */
export async function auditRequest(tx: Sql, request: FastifyRequest, entry: Omit<AuditRecord, 'actor' | 'ip'>): Promise<void> {
  await recordAudit(tx, {
    ...entry,
    actor: actorOf(request),
    ip: request.ip,
    before: entry.before === undefined ? undefined : withoutSecrets(entry.before),
    after: entry.after === undefined ? undefined : withoutSecrets(entry.after),
  });
  request.audited = true;
}
