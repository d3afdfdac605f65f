import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decrypt, decryptPii, emailHash, emailHashCandidates, encrypt, KeyRingError, keyIdOf, keyRingOf, loadKeyRing, loadKeySettings, parseKey, parseKeyList } from './keyring.ts';

const k1 = `k1:${randomBytes(32).toString('base64url')}`;
const k2 = `k2:${randomBytes(32).toString('base64')}`;

/** The format of the single-key versions: "v1.<iv>.<tag>.<body>". */
function legacySeal(key: Buffer, text: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
  return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

const noSettings = { query: async () => [] } as never;

describe('key ring', () => {
  it('round-trips, names the key and never repeats a ciphertext', () => {
    const ring = keyRingOf(k1);
    const a = encrypt('ana@example.com', ring);
    const b = encrypt('ana@example.com', ring);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^enc:v1:k1:[\w-]{16}:[\w-]+$/);
    expect(keyIdOf(a)).toBe('k1');
    expect(a).not.toContain('ana');
    expect(decrypt(a, ring)).toBe('ana@example.com');
    expect(decrypt(encrypt('', ring), ring)).toBe('');
    expect(decrypt(encrypt('Zoë 李 \u{1F600}', ring), ring)).toBe('Zoë 李 \u{1F600}');
  });

  it('opens values of every key in the ring and seals with the first', () => {
    const old = keyRingOf(k1);
    const sealed = encrypt('secret', old);
    const both = keyRingOf(`${k2},${k1}`);
    expect(decrypt(sealed, both)).toBe('secret');
    expect(keyIdOf(encrypt('x', both))).toBe('k2');
  });

  it('refuses an unknown key id, another key under the same id, a tampered value: a clear error, never garbage', () => {
    const sealed = encrypt('secret', keyRingOf(k1));
    expect(() => decrypt(sealed, keyRingOf(k2))).toThrow(/key "k1", which is not in the key ring/);
    expect(() => decrypt(sealed, keyRingOf(`k1:${randomBytes(32).toString('hex')}`))).toThrow(KeyRingError);
    const parts = sealed.split(':');
    parts[4] = Buffer.from('tampered-body-xxxxxxxxxxxx').toString('base64url');
    expect(() => decrypt(parts.join(':'), keyRingOf(k1))).toThrow(/does not open with key "k1"/);
    expect(() => decrypt('enc:v1:k1:short', keyRingOf(k1))).toThrow(KeyRingError);
    expect(() => decrypt('nonsense', keyRingOf(k1))).toThrow(/format/);
  });

  it('passes clear personal data from before encryption through, but never a sealed value it cannot open', () => {
    expect(decryptPii('Ana', keyRingOf(k1))).toBe('Ana');
    expect(decryptPii(null, keyRingOf(k1))).toBeNull();
    expect(() => decryptPii(encrypt('Ana', keyRingOf(k2)), keyRingOf(k1))).toThrow(KeyRingError);
  });

  it('parses key lists and refuses bad ones', () => {
    expect(parseKeyList(`${k2},${k1}`).map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(() => parseKeyList('k1:short')).toThrow(/32 bytes/);
    expect(() => parseKeyList(`${k1},${k1}`)).toThrow(/twice/);
    expect(() => parseKeyList('no-colon')).toThrow(/<id>:/);
    expect(() => parseKeyList(`bad id:${randomBytes(32).toString('hex')}`)).toThrow(/<id>:/);
    expect(() => loadKeySettings({ OPENIB_ENCRYPTION_KEYS: 'k1:nope' })).toThrow(/32 bytes/);
    expect(() => loadKeySettings({ OPENIB_HASH_KEY: 'nope' })).toThrow(/OPENIB_HASH_KEY/);
    const raw = randomBytes(32);
    expect(parseKey(raw.toString('hex'))).toEqual(raw);
    expect(parseKey(raw.toString('base64'))).toEqual(raw);
    expect(parseKey(randomBytes(16).toString('hex'))).toBeUndefined();
  });

  it('keyed email hashes ignore case and spaces, differ per key, and lookups try every key', () => {
    const ring = keyRingOf(`${k2},${k1}`);
    expect(emailHash(' Ana@Example.com ', ring)).toBe(emailHash('ana@example.com', ring));
    expect(emailHash('ana@example.com', ring)).not.toBe(emailHash('ana@example.com', keyRingOf(k1)));
    expect(emailHashCandidates('ana@example.com', ring)).toContain(emailHash('ana@example.com', keyRingOf(k1)));
    expect(emailHash(null, ring)).toBeNull();
    expect(emailHash('ana@example.com', ring)).not.toContain('ana');
  });

  it('reads the single-key variables and the keys earlier versions kept in the database', async () => {
    const legacyKey = randomBytes(32);
    const webhookMaterial = 'a-webhook-secrets-key-of-at-least-32-chars';
    const dbKey = randomBytes(32).toString('base64url');
    const settings = { query: async () => [{ key: 'encryption_key', value: dbKey }] } as never;
    const ring = await loadKeyRing(
      settings,
      loadKeySettings({ OPENIB_ENCRYPTION_KEY: legacyKey.toString('hex'), OPENIB_WEBHOOK_SECRETS_KEY: webhookMaterial }),
      { kind: 'postgres', dataDir: 'memory://' },
    );
    expect(ring.active.id).toBe('legacy');
    expect(ring.source).toBe('legacy-variable');
    expect(decrypt(legacySeal(legacyKey, 'connector secret'), ring)).toBe('connector secret');
    const webhookKey = createHash('sha256').update(`openib webhook secrets\n${webhookMaterial}`).digest();
    expect(decrypt(legacySeal(webhookKey, 'whsec_x'), ring)).toBe('whsec_x');
    expect(decrypt(legacySeal(Buffer.from(dbKey, 'base64url'), 'from settings'), ring)).toBe('from settings');
    expect(() => decrypt(legacySeal(randomBytes(32), 'lost'), ring)).toThrow(/legacy key/);
  });

  it('refuses PostgreSQL without a key, and generates a 0600 key file for an embedded database', async () => {
    await expect(loadKeyRing(noSettings, {}, { kind: 'postgres', dataDir: 'memory://' })).rejects.toThrow(/openib keys generate/);
    const dir = mkdtempSync(join(tmpdir(), 'openib-keys-'));
    try {
      const warnings: string[] = [];
      const first = await loadKeyRing(noSettings, {}, { kind: 'pglite', dataDir: dir }, (m) => warnings.push(m));
      expect(first.source).toBe('generated-file');
      expect(statSync(join(dir, 'encryption.keys')).mode & 0o777).toBe(0o600);
      expect(warnings[0]).toMatch(/OPENIB_ENCRYPTION_KEYS/);
      const again = await loadKeyRing(noSettings, {}, { kind: 'pglite', dataDir: dir }, () => {});
      expect(decrypt(encrypt('kept', first), again)).toBe('kept');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
