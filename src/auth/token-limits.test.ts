import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import { createClient } from './clients.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_TOKEN_RATE_LIMIT_PER_MINUTE: '5', OPENIB_TOKEN_TTL_SECONDS: '120' });
});
afterAll(() => t.stop());

describe('token endpoint limits', () => {
  it('issues tokens that live OPENIB_TOKEN_TTL_SECONDS', async () => {
    const c = await createClient(t.server.ctx.db, { name: 'ttl', scopes: ['customers:read'] });
    const res = await t.call('POST', '/oauth/token', { body: { grant_type: 'client_credentials', client_id: c.client_id, client_secret: c.client_secret } });
    expect(res.body.expires_in).toBe(120);
    const { payload } = await jwtVerify(res.body.access_token, t.server.ctx.signingKey);
    expect(payload.exp! - payload.iat!).toBe(120);
  });

  it('answers 429 with Retry-After past the per-client_id limit, even with the right secret', async () => {
    const c = await createClient(t.server.ctx.db, { name: 'limited', scopes: ['customers:read'] });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.call('POST', '/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: c.client_id, client_secret: i < 5 ? 'wrong' : c.client_secret },
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.error).toBe('slow_down');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, 4).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(-2)).toEqual([429, 429]);
  });
});
