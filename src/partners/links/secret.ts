import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { Sql } from '../../db/index.ts';

export interface LinkKeys {
  /** Signs click ids, so a click can be attributed from its id alone. */
  clickId: KeyObject;
  /** Keys the hash of visitors' IP addresses: the hashes cannot be reversed by trying every address. */
  ipHash: KeyObject;
}

/**
 * The links' secret lives in the settings table (created on first use), so every OpenIB process
 * over one database signs and reads click ids alike.
 */
export async function loadLinkKeys(db: Sql): Promise<LinkKeys> {
  const read = () => db.query<{ value: string }>(`SELECT value FROM settings WHERE key = 'link_secret'`);
  let [row] = await read();
  if (!row) {
    await db.query(`INSERT INTO settings (key, value) VALUES ('link_secret', to_jsonb($1::text)) ON CONFLICT (key) DO NOTHING`, [
      randomBytes(32).toString('base64url'),
    ]);
    [row] = await read();
  }
  const secret = Buffer.from(row.value, 'base64url');
  // KeyObjects, not Buffers: createHmac checks a raw key on every call, which costs a redirect ~4x more.
  const derive = (label: string) => createSecretKey(createHmac('sha256', secret).update(label).digest());
  return { clickId: derive('openib click id v1'), ipHash: derive('openib ip hash v1') };
}
