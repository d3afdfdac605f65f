import { randomBytes } from 'node:crypto';
import { decrypt, encrypt } from '../shared/keyring.ts';

/**
 * Endpoint signing secrets in the Standard Webhooks form (whsec_ + base64 of 32 random bytes),
 * stored encrypted with AES-256-GCM under the platform's key ring (docs/privacy.md).
 */
const PREFIX = 'whsec_';

export function newSigningSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** A secret the caller supplies must decode to 24–64 bytes (Standard Webhooks §symmetric). */
export function signingSecretProblem(secret: string): string | undefined {
  if (!secret.startsWith(PREFIX)) return 'must start with whsec_';
  const body = secret.slice(PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return 'must be whsec_ followed by base64';
  const bytes = Buffer.from(body, 'base64').length;
  if (bytes < 24 || bytes > 64) return `must encode 24–64 random bytes (this one has ${bytes})`;
  return undefined;
}

/** Sealed with the platform's key ring (src/shared/keyring.ts). */
export function sealSecret(secret: string): string {
  return encrypt(secret);
}

export function openSecret(sealed: string): string {
  return decrypt(sealed);
}
