import { describe, expect, it } from 'vitest';
import { hashToken, newToken, sameToken } from './crypto.ts';

describe('tokens', () => {
  it('compares tokens by hash', () => {
    const token = newToken('oik');
    expect(token).toMatch(/^oik_[\w-]{43}$/);
    expect(sameToken(token, hashToken(token))).toBe(true);
    expect(sameToken(`${token}x`, hashToken(token))).toBe(false);
  });
});
