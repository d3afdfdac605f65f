import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { DEMO_MATCH_TRADER, DEMO_SOURCE } from './demo.ts';
import { connectorTasks, pullConnectorsTask, queueFeedTask } from './tasks.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_DEMO: '1' });
  token = await t.token(['admin']);
});
afterAll(() => t.stop());

describe('connectors: demo source, OpenAPI, scheduled tasks', () => {
  it('the demo data set has a signed webhook source using the example CRM mapping', async () => {
    const body = JSON.stringify({ id: 'evt_demo', type: 'kyc.updated', created: 1772460300, data: { user: { id: 'C-2005', kyc_status: 2 } } });
    const now = new Date();
    const res = await t.call('POST', `/api/v1/inbound/${DEMO_SOURCE.id}`, {
      raw: body,
      headers: { 'content-type': 'application/json', 'webhook-id': 'demo-1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(DEMO_SOURCE.secret).sign('demo-1', now, body) },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'accepted', result: { meta: { updated: 1 } } });
    const source = (await t.call('GET', '/api/v1/connectors/sources', { token })).body.data;
    expect(source).toEqual([expect.objectContaining({ id: 'demo-crm', mapping: 'example-crm-lifecycle', events_in: 1, records_in: 1 })]);
    expect(JSON.stringify(source)).not.toContain('whsec');
  });

  it('the demo data set shows a paused Match-Trader connector with a recorded sync: lag, throughput and an error with its payload', async () => {
    const view = (await t.call('GET', `/api/v1/connectors/${DEMO_MATCH_TRADER.id}`, { token })).body.data;
    expect(view).toMatchObject({ kind: 'match_trader', status: 'paused', has_secrets: true, applied_through: expect.any(String), lag_seconds: expect.any(Number) });
    expect(view.lag_seconds).toBeGreaterThanOrEqual(21 * 60);
    expect(JSON.stringify(view)).not.toContain('demo-key');
    const errors = (await t.call('GET', `/api/v1/connectors/${DEMO_MATCH_TRADER.id}/errors`, { token })).body.data;
    expect(errors).toEqual([expect.objectContaining({ payload: expect.objectContaining({ status: 429 }) })]);
  });

  it('documents every connector route in the OpenAPI document: the doors are public, the rest admin-only', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body;
    const ops = Object.entries(doc.paths as Record<string, Record<string, { summary?: string; security?: unknown[]; 'x-required-scope'?: string }>>)
      .filter(([path]) => /^\/api\/v1\/(connectors|inbound|postback$|imports)/.test(path))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(ops.length).toBeGreaterThanOrEqual(25);
    for (const { path, method, op } of ops) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      if (/^\/api\/v1\/(inbound|postback$)/.test(path)) expect(op.security, `${method} ${path}`).toEqual([]);
      else expect(op['x-required-scope'], `${method} ${path}`).toBe('admin');
    }
    const partner = await t.token(['customers:read']);
    expect((await t.call('GET', '/api/v1/connectors', { token: partner })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/connectors/dead-letters')).status).toBe(401);
  });

  it('exposes its scheduled work as plain tasks; the pull task runs connectors that are due', async () => {
    expect(connectorTasks.map((c) => c.name)).toEqual(['connectors.pull', 'connectors.queue-feed', 'connectors.resume-imports', 'connectors.housekeeping']);
    await t.call('PUT', '/api/v1/connectors/mappings/m', { token, body: { name: 'm', events: { c: { entity: 'customer', fields: { customer_id: 'id' } } } } });
    const created = await t.call('POST', '/api/v1/connectors', {
      token,
      body: { id: 'due', name: 'due', kind: 'rest', interval_seconds: 3600, config: { url: 'http://127.0.0.1:9/x?page={page}', pagination: { style: 'page' }, records_path: 'data', mapping: 'm', event: 'c', retry: { attempts: 1, base_delay_ms: 0 } } },
    });
    expect(created.status, created.text).toBe(201);
    await pullConnectorsTask.run(t.server.ctx, new AbortController().signal);
    const after = (await t.call('GET', '/api/v1/connectors/due', { token })).body.data;
    expect(after).toMatchObject({ consecutive_failures: 1, last_run_at: expect.any(String) });
    // Not due again within its interval.
    await pullConnectorsTask.run(t.server.ctx, new AbortController().signal);
    expect((await t.call('GET', '/api/v1/connectors/due', { token })).body.data.consecutive_failures).toBe(1);
    // Without OPENIB_NATS_URL the queue feed does nothing.
    await expect(queueFeedTask.run(t.server.ctx, new AbortController().signal)).resolves.toBeUndefined();
  });
});
