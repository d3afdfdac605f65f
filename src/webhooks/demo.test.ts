import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { DEMO_ENDPOINT_ID } from './demo.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_DEMO: '1' });
});
afterAll(() => t.stop());

describe('demo data', () => {
  it('has a webhook endpoint whose attempts fail, to show the delivery log', async () => {
    await t.server.workers?.idle();
    const token = await t.token();
    const endpoint = await t.call('GET', `/api/v1/webhooks/endpoints/${DEMO_ENDPOINT_ID}`, { token });
    expect(endpoint.body).toMatchObject({ url: 'http://127.0.0.1:9/openib-demo', enabled: true });
    const messages = await t.call('GET', `/api/v1/webhooks/endpoints/${DEMO_ENDPOINT_ID}/deliveries`, { token });
    expect(messages.body.meta.total).toBeGreaterThan(10);
    const attempts = await t.call('GET', `/api/v1/webhooks/attempts?endpoint_id=${DEMO_ENDPOINT_ID}`, { token });
    expect(attempts.body.data[0]).toMatchObject({ outcome: 'refused' });
    expect(attempts.body.data[0].error).toMatch(/loopback/);
  });
});
