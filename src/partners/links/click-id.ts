import { createHmac, type KeyObject, randomFillSync, timingSafeEqual } from 'node:crypto';

const PREFIX = 'ck_';
// 6 bytes time (ms) + 4 bytes link number + 6 random bytes + 8 bytes of HMAC = 24 bytes, 32 characters.
const BYTES = 24;
export const CLICK_ID_LENGTH = PREFIX.length + 32;

/**
 * A click id carries when the click happened and on which link, signed with the server's key.
 * Attribution reads both from the id itself, so a registration is attributed even if it reaches
 * OpenIB before the click's row has been written (clicks are stored in batches).
 */
// Random bytes are drawn from a pool: one randomFillSync per click would cost as much as the HMAC.
const pool = Buffer.allocUnsafe(6 * 1024);
let used = pool.length;
function random6(into: Buffer, at: number) {
  if (used + 6 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  pool.copy(into, at, used, used + 6);
  used += 6;
}

export function newClickId(key: KeyObject, linkSeq: number, at = Date.now()): string {
  if (!Number.isSafeInteger(linkSeq) || linkSeq < 0 || linkSeq > 0xffff_ffff) throw new RangeError(`link number ${linkSeq} out of range`);
  const buf = Buffer.allocUnsafe(BYTES);
  buf.writeUIntBE(at, 0, 6);
  buf.writeUInt32BE(linkSeq, 6);
  random6(buf, 10);
  createHmac('sha256', key).update(buf.subarray(0, 16)).digest().copy(buf, 16, 0, 8);
  return PREFIX + buf.toString('base64url');
}

export interface ClickIdContent {
  linkSeq: number;
  clickedAt: Date;
}

export const looksLikeClickId = (value: string) => value.length === CLICK_ID_LENGTH && value.startsWith(PREFIX);

/** What a click id says, or undefined when it is not one this server signed. */
export function readClickId(key: KeyObject, value: string): ClickIdContent | undefined {
  if (!looksLikeClickId(value)) return undefined;
  const buf = Buffer.from(value.slice(PREFIX.length), 'base64url');
  if (buf.length !== BYTES) return undefined;
  const mac = createHmac('sha256', key).update(buf.subarray(0, 16)).digest().subarray(0, 8);
  if (!timingSafeEqual(mac, buf.subarray(16))) return undefined;
  return { clickedAt: new Date(buf.readUIntBE(0, 6)), linkSeq: buf.readUInt32BE(6) };
}
