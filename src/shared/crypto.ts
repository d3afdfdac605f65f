import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../db/index.ts';

/*
 * Secrets OpenIB must read back (webhook signing secrets, a pull connector's credentials) are
 * sealed with AES-256-GCM: "v1.<iv>.<tag>.<ciphertext>", base64url parts, 96-bit random IV.
 * The key is OPENIB_ENCRYPTION_KEY (32 bytes as base64 or hex) or, when unset, a random key kept
 * in the settings table (which protects against leaked exports of other tables, not of the DB).
 */

const VERSION = 'v1';

export function seal(key: Uint8Array, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function open(key: Uint8Array, sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('The sealed value is not in a format this version reads.');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('The sealed value cannot be opened with this key (was OPENIB_ENCRYPTION_KEY changed?).');
  }
}

/** Reads a 32-byte key given as 64 hex digits or base64/base64url; undefined when it is neither. */
export function parseKey(text: string): Uint8Array | undefined {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text, 'base64url');
    if (key.length === 32) return key;
  }
  return undefined;
}

const cache = new WeakMap<object, Promise<Uint8Array>>();

/** The sealing key of this database: the configured one, or one generated once and kept in settings. */
export function encryptionKey(db: Sql, configured?: string): Promise<Uint8Array> {
  if (configured) {
    const key = parseKey(configured);
    if (!key) throw new Error('OPENIB_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64.');
    return Promise.resolve(key);
  }
  let pending = cache.get(db);
  if (!pending) {
    pending = (async () => {
      const candidate = randomBytes(32).toString('base64url');
      await db.query(`INSERT INTO settings (key, value) VALUES ('encryption_key', to_jsonb($1::text)) ON CONFLICT (key) DO NOTHING`, [candidate]);
      const [row] = await db.query<{ value: string }>(`SELECT value FROM settings WHERE key = 'encryption_key'`);
      return Buffer.from(row.value, 'base64url');
    })();
    pending.catch(() => cache.delete(db));
    cache.set(db, pending);
  }
  return pending;
}

/** SHA-256 hex of a high-entropy token (API keys, postback tokens, session tokens): no slow KDF needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function sameToken(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A new random token with a readable prefix, e.g. "oik_…" for an inbound API key. */
export function newToken(prefix: string, bytes = 32): string {
  return `${prefix}_${randomBytes(bytes).toString('base64url')}`;
}
