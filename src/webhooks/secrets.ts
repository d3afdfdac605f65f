import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Sql } from '../db/index.ts';

/**
 * Endpoint signing secrets in the Standard Webhooks form (whsec_ + base64 of 32 random bytes),
 * stored encrypted with AES-256-GCM. The key is OPENIB_WEBHOOK_SECRETS_KEY when set; otherwise a
 * random key kept in the settings table, which still keeps secrets out of dumps of the endpoint
 * table but not out of a dump of the whole database; set the variable for that.
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

export async function loadSecretsKey(db: Sql, configured?: string): Promise<Buffer> {
  let material = configured;
  if (!material) {
    await db.query(
      `INSERT INTO settings (key, value) VALUES ('webhook_secrets_key', to_jsonb($1::text)) ON CONFLICT (key) DO NOTHING`,
      [randomBytes(32).toString('base64url')],
    );
    const [row] = await db.query<{ value: string }>(`SELECT value FROM settings WHERE key = 'webhook_secrets_key'`);
    material = row.value;
  }
  return createHash('sha256').update(`openib webhook secrets\n${material}`).digest();
}

export function sealSecret(key: Buffer, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${body.toString('base64url')}`;
}

export function openSecret(key: Buffer, sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('unknown sealed secret format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
