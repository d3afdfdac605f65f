import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { FieldIssue } from '../shared/errors.ts';

// argon2id (Algorithm.Argon2id = 2; the package's enum is a const enum, which type stripping cannot read)
// with the library's defaults: 19 MiB memory, 2 passes, 1 lane, the OWASP-recommended minimum.
const ARGON2ID = 2 as const;

export const PASSWORD_MIN = 10;
/** Longer input only costs hashing time; no real password is longer. */
export const PASSWORD_MAX = 256;

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

let dummy: Promise<string> | undefined;

/**
 * Whether the password matches the stored hash. Without a hash (unknown email) a dummy hash is
 * checked all the same, so both answers take the same time.
 */
export async function passwordMatches(password: string, stored: string | undefined): Promise<boolean> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  const target = stored ?? (await dummy);
  try {
    const ok = await verify(target, password);
    return Boolean(stored) && ok;
  } catch {
    return false;
  }
}

/** What is wrong with a new password, or nothing. */
export function passwordIssues(password: string, field: string): FieldIssue[] {
  if (password.length < PASSWORD_MIN) return [{ field, reason: `must be at least ${PASSWORD_MIN} characters` }];
  if (password.length > PASSWORD_MAX) return [{ field, reason: `must be at most ${PASSWORD_MAX} characters` }];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(password)) return [{ field, reason: 'must not contain control characters' }];
  if (password.trim() === '') return [{ field, reason: 'must not be only spaces' }];
  return [];
}

/** A password for a login created by someone else, shown once: 20 characters, about 119 bits. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}
