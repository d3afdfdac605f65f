import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.ts';

// The README's request examples are sent to a real server, in order, so they stay true.
const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const EXAMPLES = [...README.matchAll(/<!-- example: (POST|GET) (\S+) -->\s*```json\n([\s\S]*?)```/g)].map((m) => ({
  method: m[1],
  path: m[2],
  body: JSON.parse(m[3]),
}));

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_DEMO: '1' });
});
afterAll(() => t.stop());

describe('README examples', () => {
  it('has examples for each data API write', () => {
    expect(EXAMPLES.map((e) => e.path)).toEqual(['/api/v1/forex/customers', '/api/v1/forex/transactions', '/api/v1/forex/trading-activity']);
  });

  it('gets a token with the demo client exactly as the README shows', async () => {
    const res = await t.call('POST', '/oauth/token', {
      raw: 'grant_type=client_credentials&client_id=demo-admin&client_secret=demo-secret-for-local-use-only',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'admin' });
  });

  it('accepts every example request', async () => {
    const token = await t.token(['admin']);
    for (const example of EXAMPLES) {
      const res = await t.call(example.method, example.path, { token, body: example.body });
      expect(res.status, `${example.method} ${example.path}: ${res.text}`).toBe(200);
      expect(res.body.meta.created).toBe(example.body.length);
    }
  });
});
