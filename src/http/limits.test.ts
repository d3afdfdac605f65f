import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_RATE_LIMIT_PER_MINUTE: '5' });
});
afterAll(() => t.stop());

describe('rate limit per access token', () => {
  it('answers 429 with Retry-After once a token exceeds its requests per minute, while other tokens go on', async () => {
    const a = await t.token(['customers:read']);
    const b = await t.token(['customers:read']);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof t.call>> | undefined;
    for (let i = 0; i < 7; i++) {
      const res = await t.call('GET', '/api/v1/forex/customers', { token: a });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited?.body.error.code).toBe('rate_limited');
    expect((await t.call('GET', '/api/v1/forex/customers', { token: b })).status).toBe(200);
  });
});

describe('operations endpoints', () => {
  it('serves health, readiness, metrics, the OpenAPI document and the reference page without a token', async () => {
    expect((await t.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.call('GET', '/readyz')).body.status).toBe('ready');
    const metrics = await t.call('GET', '/metrics');
    expect(metrics.text).toContain('openib_http_request_duration_seconds');
    const doc = await t.call('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/oauth/token', '/api/v1/forex/customers', '/api/v1/forex/transactions', '/api/v1/forex/trading-activity']));
    const page = await fetch(`${t.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });

  it('echoes a caller\'s request id and makes one up otherwise', async () => {
    const given = await t.call('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const made = await t.call('GET', '/healthz', { headers: { 'x-request-id': '<script>' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
