import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Sealing values OpenIB must read back lives in keyring.ts.

/** SHA-256 hex of a high-entropy token (API keys, postback tokens, session tokens): no slow KDF needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether a token matches a stored hashToken() value, compared in constant time. */
export function sameToken(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Compares two secrets kept in clear (CSRF tokens) in constant time. */
export function equalInConstantTime(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A new random token with a readable prefix, e.g. "oik_…" for an inbound API key. */
export function newToken(prefix: string, bytes = 32): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}
