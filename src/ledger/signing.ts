/**
 * The Ed25519 keys that sign ledger checkpoints (docs/verification.md). Configured as
 * OPENIB_LEDGER_SIGNING_KEYS="<id>:<32-byte seed, base64url or hex>,…" (first signs, the rest are
 * older keys kept for reference); without it OpenIB generates one key, stores it sealed with the
 * encryption key ring and uses it until a key is configured. Every key that ever signed keeps its
 * public key in ledger_signing_keys, served at /.well-known/openib-ledger-keys.json, so checkpoints
 * signed before a rotation keep verifying.
 */
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign } from 'node:crypto';
import type { Sql } from '../db/index.ts';
import { decrypt, encrypt, type KeyRing, parseKey } from '../shared/keyring.ts';

export interface LedgerSigner {
  keyId: string;
  privateKey: KeyObject;
  /** The raw 32-byte public key, base64url. */
  publicKey: string;
  source: 'configured' | 'generated' | 'ephemeral';
}

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export function signerFromSeed(keyId: string, seed: Buffer, source: LedgerSigner['source']): LedgerSigner {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string };
  return { keyId, privateKey, publicKey: jwk.x, source };
}

/** Parses OPENIB_LEDGER_SIGNING_KEYS; the first key signs. */
export function parseSigningKeys(raw: string): LedgerSigner[] {
  const out: LedgerSigner[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf(':');
    const id = i < 0 ? '' : part.slice(0, i);
    const seed = parseKey(part.slice(i + 1));
    if (!KEY_ID.test(id) || !seed)
      throw new Error('OPENIB_LEDGER_SIGNING_KEYS: each entry is <id>:<32-byte Ed25519 seed as base64url or 64 hex digits> (generate one with `openib keys generate`).');
    if (out.some((k) => k.keyId === id)) throw new Error(`OPENIB_LEDGER_SIGNING_KEYS: the key id "${id}" appears twice.`);
    out.push(signerFromSeed(id, seed, 'configured'));
  }
  if (!out.length) throw new Error('OPENIB_LEDGER_SIGNING_KEYS holds no key.');
  return out;
}

let installed: LedgerSigner | undefined;

export function installLedgerSigner(signer: LedgerSigner): void {
  installed = signer;
}

/** The installed signer; code running without a platform (tools, some tests) gets a key for this process. */
export function ledgerSigner(): LedgerSigner {
  if (!installed) installed = signerFromSeed(`ephemeral-${randomBytes(4).toString('hex')}`, randomBytes(32), 'ephemeral');
  return installed;
}

/** Records a key's public half (once; a different key under a known id is refused). */
export async function registerPublicKey(db: Sql, signer: LedgerSigner): Promise<void> {
  await db.query('INSERT INTO ledger_signing_keys (key_id, public_key) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING', [signer.keyId, signer.publicKey]);
  const [row] = await db.query<{ public_key: string }>('SELECT public_key FROM ledger_signing_keys WHERE key_id = $1', [signer.keyId]);
  if (row.public_key !== signer.publicKey)
    throw new Error(`Ledger signing key "${signer.keyId}" is not the key that signed under this id before; give a new key a new id.`);
}

/**
 * The signer for this database: the first configured key, or the generated one (made on first
 * start, sealed with the ring). Keys that no longer sign are marked retired; their public keys stay.
 */
export async function loadLedgerSigner(db: Sql, configured: string | undefined, ring: KeyRing): Promise<LedgerSigner> {
  let signer: LedgerSigner;
  if (configured) {
    const keys = parseSigningKeys(configured);
    for (const k of keys) await registerPublicKey(db, k);
    signer = keys[0];
  } else {
    const [stored] = await db.query<{ key_id: string; private_key_sealed: string }>(
      'SELECT key_id, private_key_sealed FROM ledger_signing_keys WHERE private_key_sealed IS NOT NULL AND retired_at IS NULL ORDER BY first_used_at DESC LIMIT 1',
    );
    if (stored) signer = signerFromSeed(stored.key_id, Buffer.from(decrypt(stored.private_key_sealed, ring), 'base64url'), 'generated');
    else {
      const seed = randomBytes(32);
      signer = signerFromSeed(`ledger-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(2).toString('hex')}`, seed, 'generated');
      await db.query('INSERT INTO ledger_signing_keys (key_id, public_key, private_key_sealed) VALUES ($1, $2, $3)', [
        signer.keyId,
        signer.publicKey,
        encrypt(seed.toString('base64url'), ring),
      ]);
    }
  }
  await db.query('UPDATE ledger_signing_keys SET retired_at = now() WHERE key_id <> $1 AND retired_at IS NULL', [signer.keyId]);
  await db.query('UPDATE ledger_signing_keys SET retired_at = NULL WHERE key_id = $1', [signer.keyId]);
  return signer;
}

export function signPayload(signer: LedgerSigner, payload: string): string {
  return sign(null, Buffer.from(payload, 'utf8'), signer.privateKey).toString('base64url');
}

export interface PublicKeyView {
  key_id: string;
  algorithm: 'Ed25519';
  /** The raw 32-byte public key, base64url (also as a JWK `x`). */
  public_key: string;
  status: 'active' | 'retired';
  first_used_at: string;
  retired_at: string | null;
}

export async function publicKeys(db: Sql): Promise<PublicKeyView[]> {
  const rows = await db.query<{ key_id: string; public_key: string; first_used_at: string; retired_at: string | null }>(
    'SELECT key_id, public_key, first_used_at, retired_at FROM ledger_signing_keys ORDER BY first_used_at, key_id',
  );
  return rows.map((r) => ({ key_id: r.key_id, algorithm: 'Ed25519', public_key: r.public_key, status: r.retired_at ? 'retired' : 'active', first_used_at: r.first_used_at, retired_at: r.retired_at }));
}
