import { randomBytes } from 'node:crypto';
import { hashToken, sameToken } from '../shared/crypto.ts';

/** Client secrets are 256 random bits, so one SHA-256 is a sound one-way hash for them (no slow KDF needed). */
export const hashSecret = hashToken;
export const secretMatches = sameToken;

export function newClientId(): string {
  return `oc_${randomBytes(9).toString('base64url')}`;
}

export function newClientSecret(): string {
  return `ocs_${randomBytes(32).toString('base64url')}`;
}
