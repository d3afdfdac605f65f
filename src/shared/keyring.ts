import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createHash, createHmac, createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Sql } from '../db/index.ts';

/*
 * One key ring seals everything OpenIB must read back: personal data (customers' and partners'
 * names, emails, phones, addresses), partners' payout details, connector credentials and webhook
 * signing secrets. Each value is AES-256-GCM with a random 96-bit IV and names the key that sealed
 * it, so keys can rotate:
 *
 *   enc:v1:<key id>:<iv, base64url>:<ciphertext + 16-byte tag, base64url>
 *
 * The first key of OPENIB_ENCRYPTION_KEYS seals; every key in the ring opens. Values written before
 * the ring existed ("v1.<iv>.<tag>.<body>", no key id) are opened with the legacy keys they were
 * sealed with. Email lookups use a keyed hash (HMAC-SHA256 of the normalised email), never the
 * address itself.
 */

export const PREFIX = 'enc:v1:';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export interface RingKey {
  id: string;
  key: Buffer;
  /** Only opens values from before the ring (legacy single-key formats). */
  legacy?: boolean;
}

export interface KeyRing {
  /** The key that seals new values. */
  active: RingKey;
  keys: Map<string, RingKey>;
  /** Keys tried, in order, on values in a legacy format without a key id. */
  legacyOrder: RingKey[];
  /** HMAC key of keyed hashes and the id written in front of each hash. */
  hash: { id: string; key: Buffer };
  /** Every hash key the ring can derive (one per ring key, plus a configured one), for lookups during a rotation. */
  hashKeys: { id: string; key: Buffer }[];
  /** Where the active key came from, for `keys status`. */
  source: 'configured' | 'legacy-variable' | 'generated-file' | 'ephemeral';
}

export class KeyRingError extends Error {}

// Imported once per key: handing OpenSSL a raw key on every call costs more than the encryption.
const imported = new WeakMap<Buffer, KeyObject>();
function keyObject(key: Buffer): KeyObject {
  let k = imported.get(key);
  if (!k) {
    k = createSecretKey(key);
    imported.set(key, k);
  }
  return k;
}

/** Reads a 32-byte key given as 64 hex digits or base64/base64url; undefined when it is neither. */
export function parseKey(text: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const key = Buffer.from(text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, ''), 'base64url');
    if (key.length === 32) return key;
  }
  return undefined;
}

/** A new "id:key" entry for OPENIB_ENCRYPTION_KEYS. */
export function generateKeyEntry(id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`): string {
  return `${id}:${randomBytes(32).toString('base64url')}`;
}

/** Parses "k2:base64key,k1:base64key" (first = active). */
export function parseKeyList(raw: string, name = 'OPENIB_ENCRYPTION_KEYS'): RingKey[] {
  const keys: RingKey[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    const id = i < 0 ? '' : part.slice(0, i);
    if (!KEY_ID.test(id)) throw new KeyRingError(`${name}: each entry is <id>:<32-byte key as base64 or hex>, with an id of letters, digits, _ or - (e.g. k2:${randomBytes(32).toString('base64url')}).`);
    if (id.startsWith('legacy')) throw new KeyRingError(`${name}: key ids starting with "legacy" are reserved.`);
    const key = parseKey(part.slice(i + 1));
    if (!key) throw new KeyRingError(`${name}: the key "${id}" must be 32 bytes, as 64 hex digits or base64 (generate one with \`openib keys generate\`).`);
    if (keys.some((k) => k.id === id)) throw new KeyRingError(`${name}: the key id "${id}" appears twice.`);
    keys.push({ id, key });
  }
  if (!keys.length) throw new KeyRingError(`${name} holds no key.`);
  return keys;
}

export interface KeySettings {
  /** OPENIB_ENCRYPTION_KEYS */
  keys?: string;
  /** OPENIB_ENCRYPTION_KEY (before the ring): one key, id "legacy". */
  legacyKey?: string;
  /** OPENIB_WEBHOOK_SECRETS_KEY (before the ring): webhook secrets, id "legacy-webhooks". */
  legacyWebhookKey?: string;
  /** OPENIB_HASH_KEY: the HMAC key of keyed hashes; derived from the active key when unset. */
  hashKey?: string;
}

export function loadKeySettings(env: NodeJS.ProcessEnv): KeySettings {
  const settings: KeySettings = {
    keys: env.OPENIB_ENCRYPTION_KEYS || undefined,
    legacyKey: env.OPENIB_ENCRYPTION_KEY || undefined,
    legacyWebhookKey: env.OPENIB_WEBHOOK_SECRETS_KEY || undefined,
    hashKey: env.OPENIB_HASH_KEY || undefined,
  };
  // Refuse a malformed configuration at start, before anything is opened.
  if (settings.keys) parseKeyList(settings.keys);
  if (settings.legacyKey && !parseKey(settings.legacyKey)) throw new KeyRingError('OPENIB_ENCRYPTION_KEY must be 32 bytes, as 64 hex digits or base64.');
  if (settings.legacyWebhookKey && settings.legacyWebhookKey.length < 32) throw new KeyRingError('OPENIB_WEBHOOK_SECRETS_KEY must be at least 32 characters.');
  if (settings.hashKey && !parseKey(settings.hashKey)) throw new KeyRingError('OPENIB_HASH_KEY must be 32 bytes, as 64 hex digits or base64.');
  return settings;
}

const NO_KEY =
  'No encryption key is configured. With DATABASE_URL, set OPENIB_ENCRYPTION_KEYS (generate one with `openib keys generate`, keep it outside the database and back it up).';

export function requireConfiguredKey(settings: KeySettings): void {
  if (!settings.keys && !settings.legacyKey && !settings.legacyWebhookKey) throw new KeyRingError(NO_KEY);
}

const webhookKey = (material: string) => createHash('sha256').update(`openib webhook secrets\n${material}`).digest();
const deriveHashKey = (key: Buffer) => Buffer.from(hkdfSync('sha256', key, 'openib', 'openib keyed hash v1', 32));

export const KEY_FILE = 'encryption.keys';

/**
 * Builds the ring: configured keys first; then the single-key variables of earlier versions and the
 * keys earlier versions generated into the settings table (read-only, so old values keep opening).
 * With nothing configured, an embedded database gets a key generated into its data folder (0600);
 * a PostgreSQL server refuses to start.
 */
export async function loadKeyRing(
  db: Sql,
  settings: KeySettings,
  where: { kind: 'pglite' | 'postgres'; dataDir: string },
  warn: (message: string) => void = (m) => process.stderr.write(`openib: warning: ${m}\n`),
): Promise<KeyRing> {
  const ring: RingKey[] = settings.keys ? parseKeyList(settings.keys) : [];
  const legacy: RingKey[] = [];
  if (settings.legacyKey) legacy.push({ id: 'legacy', key: parseKey(settings.legacyKey) as Buffer });
  if (settings.legacyWebhookKey) legacy.push({ id: 'legacy-webhooks', key: webhookKey(settings.legacyWebhookKey) });
  const stored = await db.query<{ key: string; value: string }>(
    `SELECT key, value #>> '{}' AS value FROM settings WHERE key IN ('encryption_key', 'webhook_secrets_key') ORDER BY key`,
  );
  for (const row of stored) {
    if (row.key === 'encryption_key') legacy.push({ id: 'legacy-db', key: Buffer.from(row.value, 'base64url'), legacy: true });
    else legacy.push({ id: 'legacy-db-webhooks', key: webhookKey(row.value), legacy: true });
  }
  let source: KeyRing['source'] = 'configured';
  if (!ring.length && legacy.some((k) => !k.legacy)) source = 'legacy-variable';
  if (!ring.length && source !== 'legacy-variable') {
    if (where.kind === 'postgres')
      throw new KeyRingError(NO_KEY);
    if (where.dataDir === 'memory://') {
      ring.push({ id: 'ephemeral', key: randomBytes(32) });
      source = 'ephemeral';
    } else {
      const file = join(where.dataDir, KEY_FILE);
      if (!existsSync(file)) {
        mkdirSync(where.dataDir, { recursive: true });
        writeFileSync(file, `${generateKeyEntry('local1')}\n`, { mode: 0o600, flag: 'wx' });
      }
      chmodSync(file, 0o600);
      ring.push(...parseKeyList(readFileSync(file, 'utf8').trim(), file));
      source = 'generated-file';
      warn(`encryption keys come from ${file}, generated for this embedded database; in production configure OPENIB_ENCRYPTION_KEYS (see docs/privacy.md).`);
    }
  }
  const all = [...ring, ...legacy];
  const keys = new Map<string, RingKey>();
  for (const k of all) if (!keys.has(k.id)) keys.set(k.id, k);
  const active = all.find((k) => !k.legacy) as RingKey;
  const configuredHash = settings.hashKey ? { id: 'h', key: parseKey(settings.hashKey) as Buffer } : undefined;
  const hashKeys = [...(configuredHash ? [configuredHash] : []), ...[...keys.values()].map((k) => ({ id: k.id, key: deriveHashKey(k.key) }))];
  return {
    active,
    keys,
    legacyOrder: legacy,
    hash: configuredHash ?? { id: active.id, key: deriveHashKey(active.key) },
    hashKeys,
    source,
  };
}

/** A ring from explicit keys, for tests and tools (first = active). */
export function keyRingOf(list: string, hashKey?: string): KeyRing {
  const ring = parseKeyList(list);
  const keys = new Map(ring.map((k) => [k.id, k]));
  const hash = hashKey ? { id: 'h', key: parseKey(hashKey) as Buffer } : { id: ring[0].id, key: deriveHashKey(ring[0].key) };
  return { active: ring[0], keys, legacyOrder: [], hash, hashKeys: [hash, ...ring.map((k) => ({ id: k.id, key: deriveHashKey(k.key) }))], source: 'configured' };
}

// One ring per process: the platform installs it when it opens (openPlatform, the CLI).
let installed: KeyRing | undefined;

export function installKeyRing(ring: KeyRing): void {
  installed = ring;
}

export function hasKeyRing(): boolean {
  return installed !== undefined;
}

export function keyRing(): KeyRing {
  if (!installed) throw new KeyRingError('No encryption key ring is loaded; the platform loads it when it opens the database.');
  return installed;
}

// IVs come from the CSPRNG in blocks (one call per 1024 values instead of one per value); each is used once.
const IV_BLOCK = 1024;
let ivPool = Buffer.alloc(0);
let ivAt = 0;
function nextIv(): Buffer {
  if (ivAt >= ivPool.length) {
    ivPool = randomBytes(12 * IV_BLOCK);
    ivAt = 0;
  }
  const iv = ivPool.subarray(ivAt, ivAt + 12);
  ivAt += 12;
  return iv;
}

export function encrypt(plaintext: string, ring: KeyRing = keyRing()): string {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', keyObject(ring.active.key), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${ring.active.id}:${iv.toString('base64url')}:${body.toString('base64url')}`;
}

export function encryptNullable(value: string | null | undefined, ring?: KeyRing): string | null {
  return value === null || value === undefined ? null : encrypt(value, ring);
}

/** The key id a stored value names; 'legacy' for the formats from before the ring; undefined for clear text. */
export function keyIdOf(value: string): string | undefined {
  if (value.startsWith(PREFIX)) return value.slice(PREFIX.length, value.indexOf(':', PREFIX.length));
  if (/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value)) return 'legacy';
  return undefined;
}

function openWith(key: Buffer, iv: Buffer, body: Buffer, tag: Buffer): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyObject(key), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * Opens a sealed value. A value under a key the ring does not hold, or one that was tampered with,
 * throws a KeyRingError naming the key id; it never answers garbage (GCM authenticates).
 */
export function decrypt(value: string, ring: KeyRing = keyRing()): string {
  if (value.startsWith(PREFIX)) {
    const [id, iv, sealed] = value.slice(PREFIX.length).split(':');
    if (!id || !iv || sealed === undefined) throw new KeyRingError('An encrypted value is malformed.');
    const key = ring.keys.get(id);
    if (!key) throw new KeyRingError(`A value is encrypted under key "${id}", which is not in the key ring; add it back to OPENIB_ENCRYPTION_KEYS (after the active key) until \`openib keys rotate\` has finished.`);
    const bytes = Buffer.from(sealed, 'base64url');
    const ivBytes = Buffer.from(iv, 'base64url');
    if (ivBytes.length !== 12 || bytes.length < 16) throw new KeyRingError(`An encrypted value under key "${id}" is malformed.`);
    const plain = openWith(key.key, ivBytes, bytes.subarray(0, -16), bytes.subarray(-16));
    if (plain === undefined) throw new KeyRingError(`An encrypted value does not open with key "${id}": the key material for this id changed, or the value was altered.`);
    return plain;
  }
  const [version, iv, tag, body] = value.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new KeyRingError('A stored secret is not in a format this version reads.');
  for (const key of ring.legacyOrder) {
    const plain = openWith(key.key, Buffer.from(iv, 'base64url'), Buffer.from(body, 'base64url'), Buffer.from(tag, 'base64url'));
    if (plain !== undefined) return plain;
  }
  throw new KeyRingError(
    'A secret sealed before the key ring does not open with any legacy key; keep OPENIB_ENCRYPTION_KEY / OPENIB_WEBHOOK_SECRETS_KEY set until `openib keys rotate` has finished.',
  );
}

/**
 * Personal data columns: sealed values are opened; clear text (rows written before encryption at
 * rest, not yet rotated) is answered as stored.
 */
export function decryptPii(value: string | null | undefined, ring?: KeyRing): string | null {
  if (value === null || value === undefined) return null;
  return value.startsWith(PREFIX) ? decrypt(value, ring) : value;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The keyed hash an email is looked up by: "<hash key id>:<HMAC-SHA256 hex of the normalised email>". */
export function emailHash(email: string | null | undefined, ring: KeyRing = keyRing()): string | null {
  if (email === null || email === undefined || email.trim() === '') return null;
  return `${ring.hash.id}:${createHmac('sha256', keyObject(ring.hash.key)).update(normaliseEmail(email)).digest('hex')}`;
}

/** The hashes of an email under every key of the ring, so lookups also find rows a rotation has not reached yet. */
export function emailHashCandidates(email: string, ring: KeyRing = keyRing()): string[] {
  return ring.hashKeys.map((h) => `${h.id}:${createHmac('sha256', keyObject(h.key)).update(normaliseEmail(email)).digest('hex')}`);
}

/** A short keyed hash, for pseudonyms that must not reveal the value they replace. */
export function keyedDigest(text: string, ring: KeyRing = keyRing()): string {
  return createHmac('sha256', keyObject(ring.hash.key)).update(text).digest('hex');
}
