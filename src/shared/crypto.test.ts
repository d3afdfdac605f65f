import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashToken, newToken, open, parseKey, sameToken, seal } from './crypto.ts';

describe('seal / open', () => {
  const key = randomBytes(32);
  it('round-trips and never repeats a ciphertext', () => {
    const a = seal(key, 'whsec_abc');
    const b = seal(key, 'whsec_abc');
    expect(a).not.toBe(b);
    expect(open(key, a)).toBe('whsec_abc');
    expect(a).not.toContain('whsec');
  });
  it('refuses a tampered value or another key', () => {
    const sealed = seal(key, 'secret');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => open(key, parts.join('.'))).toThrow(/cannot be opened/);
    expect(() => open(randomBytes(32), sealed)).toThrow(/cannot be opened/);
    expect(() => open(key, 'nonsense')).toThrow(/format/);
  });
  it('reads keys as hex or base64 and refuses other lengths', () => {
    const raw = randomBytes(32);
    expect(Buffer.from(parseKey(raw.toString('hex'))!)).toEqual(raw);
    expect(Buffer.from(parseKey(raw.toString('base64'))!)).toEqual(raw);
    expect(Buffer.from(parseKey(raw.toString('base64url'))!)).toEqual(raw);
    expect(parseKey('short')).toBeUndefined();
    expect(parseKey(randomBytes(16).toString('hex'))).toBeUndefined();
  });
  it('compares tokens by hash', () => {
    const token = newToken('oik');
    expect(token).toMatch(/^oik_[\w-]{43}$/);
    expect(sameToken(token, hashToken(token))).toBe(true);
    expect(sameToken(`${token}x`, hashToken(token))).toBe(false);
  });
});
