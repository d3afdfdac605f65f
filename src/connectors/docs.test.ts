import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

// docs/connectors.md's request examples are sent to a real server, in order, so they stay true.
const DOC = readFileSync(new URL('../../docs/connectors.md', import.meta.url), 'utf8');
const EXAMPLES = [...DOC.matchAll(/<!-- example: (PUT|POST) (\S+) -->\s*```json\n([\s\S]*?)```/g)].map((m) => ({ method: m[1], path: m[2], body: JSON.parse(m[3]) }));

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.token(['admin']);
});
afterAll(() => t.stop());

describe('docs/connectors.md', () => {
  it('has its examples, and the server accepts each', async () => {
    expect(EXAMPLES.map((e) => `${e.method} ${e.path}`)).toEqual(['PUT /api/v1/connectors/mappings/my-crm', 'POST /api/v1/connectors/sources', 'POST /api/v1/connectors', 'POST /api/v1/connectors']);
    let secret = '';
    for (const e of EXAMPLES) {
      const res = await t.call(e.method, e.path, { token, body: e.body });
      expect(res.status, `${e.method} ${e.path}: ${res.text}`).toBeLessThan(300);
      if (res.body.credential?.secret) secret = res.body.credential.secret;
    }
    // The signing snippet's event, through the documented mapping.
    const body = JSON.stringify({ id: 'evt_1', type: 'client.created', data: { client: { id: 42, created: 1772373900, country: 'ae' } } });
    const now = new Date();
    const res = await t.call('POST', '/api/v1/inbound/my-crm', {
      raw: body,
      headers: { 'content-type': 'application/json', 'webhook-id': 'evt_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('evt_1', now, body) },
    });
    expect(res.body.data).toMatchObject({ status: 'accepted', event_type: 'client.created', entity: 'customer' });
    const [c] = (await t.call('GET', '/api/v1/forex/customers', { token })).body.data;
    expect(c).toMatchObject({ customer_id: '42', affiliate_id: '', country_code: 'AE', kyc_status_id: 'pending' });
  });
});
