import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Client secrets are 256 random bits, so one SHA-256 is a sound one-way hash for them (no slow KDF needed). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function newClientId(): string {
  return `oc_${randomBytes(9).toString('base64url')}`;
}

export function newClientSecret(): string {
  return `ocs_${randomBytes(32).toString('base64url')}`;
}
