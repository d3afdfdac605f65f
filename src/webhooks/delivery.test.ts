import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../../test/helpers/receiver.ts';
import { startWebhookWorld, type WebhookWorld } from '../../test/helpers/webhooks.ts';

let w: WebhookWorld;
let crm: Receiver;
let crmEndpoint: { id: string; secret: string };

beforeAll(async () => {
  w = await startWebhookWorld({ OPENIB_WEBHOOK_RESPONSE_LIMIT_BYTES: '1000' });
  crm = await startReceiver(() => ({ status: 200, body: 'x'.repeat(5000) }));
  crmEndpoint = await w.endpoint({ url: `${crm.url}/hooks/openib`, description: 'CRM', event_types: ['customer.registered', 'customer.attributed'] });
});
afterAll(async () => {
  await w.stop();
  await crm.close();
});

const bodies = (r: Receiver, type?: string) =>
  r.received.map((q) => JSON.parse(q.body)).filter((b) => type === undefined || b.type === type);

describe('webhook delivery', () => {
  it('signs every message per Standard Webhooks, verifiable with the standardwebhooks library', async () => {
    await w.register([
      { customer_id: 'D-1', affiliate_id: 'IB-7', click_id: 'clk-1', email: 'someone@example.com', first_name: 'Ann' },
      { customer_id: 'D-2', affiliate_id: '' },
    ]);
    await w.settle();
    const got = crm.received.filter((r) => /"D-[12]"/.test(r.body));
    expect(got).toHaveLength(2);
    const verifier = new Webhook(crmEndpoint.secret);
    for (const r of got) {
      expect(r.method).toBe('POST');
      expect(r.path).toBe('/hooks/openib');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(Number(r.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
      const payload = verifier.verify(r.body, r.headers as Record<string, string>) as Record<string, any>;
      expect(payload).toMatchObject({ type: 'customer.registered', version: 1 });
      expect(payload.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(payload.timestamp)).not.toBeNaN();
      // Personal data never leaves in an event.
      expect(r.body).not.toMatch(/someone@example.com|Ann/);
    }
    const wrong = new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`);
    expect(() => wrong.verify(got[0].body, got[0].headers as Record<string, string>)).toThrow();
  });

  it('sends unattributed registrations too', async () => {
    const unattributed = bodies(crm, 'customer.registered').find((b) => b.data.customer.customer_id === 'D-2');
    expect(unattributed.data.customer.affiliate_id || null).toBeNull();
  });

  it('passes customer.attributed through with the partner and its whole ancestor chain', async () => {
    const data = {
      customer_id: 'D-1',
      partner_id: 'P-3',
      affiliate_id: 'IB-7',
      ancestors: [
        { partner_id: 'P-2', affiliate_id: 'IB-5', level: 1 },
        { partner_id: 'P-1', affiliate_id: 'IB-1', level: 2 },
      ],
      click_id: 'clk-1',
      campaign_id: 'spring',
      sub_id: 's1',
      source: 'link',
    };
    await w.emit([{ type: 'customer.attributed', subjectType: 'customer', subjectId: 'D-1', data }]);
    await w.settle();
    const [attributed] = bodies(crm, 'customer.attributed');
    expect(attributed.data).toEqual(data);
  });

  it('sends an endpoint only the event types it asked for; null means all', async () => {
    const all = await startReceiver();
    const deposits = await startReceiver();
    await w.endpoint({ url: all.url });
    await w.endpoint({ url: deposits.url, event_types: ['deposit.first'] });
    await w.register([{ customer_id: 'D-3', affiliate_id: 'IB-7' }]);
    const tx = { transaction_id: 'DT-1', customer_id: 'D-3', transaction_type: 'deposit', amount: '250.00', currency: 'USD', transaction_date: '2026-03-02T10:00:00Z', status: 'approved' };
    const res = await w.t.call('POST', '/api/v1/forex/transactions', { token: w.admin, body: [tx] });
    expect(res.status).toBe(200);
    await w.settle();
    expect(bodies(deposits).map((b) => b.type)).toEqual(['deposit.first']);
    expect(bodies(all).map((b) => b.type).sort()).toEqual(['customer.registered', 'deposit.first', 'transaction.created']);
    expect(bodies(crm).some((b) => b.type === 'deposit.first')).toBe(false);
    await all.close();
    await deposits.close();
  });

  it('logs every attempt with status, latency and a capped response body, per endpoint and per event', async () => {
    const page = await w.get(`/api/v1/webhooks/endpoints/${crmEndpoint.id}/deliveries?per_page=2`);
    // D-1, D-2, D-3 registered and D-1 attributed.
    expect(page.meta.total).toBe(4);
    expect(page.data).toHaveLength(2);
    expect(page.meta.next_cursor).toEqual(expect.any(String));
    const next = await w.get(`/api/v1/webhooks/endpoints/${crmEndpoint.id}/deliveries?per_page=2&cursor=${page.meta.next_cursor}`);
    expect(next.data).toHaveLength(2);
    expect(next.meta.next_cursor).toBeNull();
    const message = page.data[0];
    expect(message).toMatchObject({ endpoint_id: crmEndpoint.id, status: 'delivered', attempts: 1, next_attempt_at: null, last_status_code: 200 });

    const perEvent = await w.get(`/api/v1/webhooks/messages?event_id=${message.event_id}`);
    expect(perEvent.data.map((m: { id: string }) => m.id)).toContain(message.id);
    const attempts = await w.get(`/api/v1/webhooks/attempts?event_id=${message.event_id}&endpoint_id=${crmEndpoint.id}`);
    expect(attempts.data).toHaveLength(1);
    expect(attempts.data[0]).toMatchObject({ message_id: message.id, attempt: 1, outcome: 'delivered', status_code: 200, error: null });
    expect(attempts.data[0].latency_ms).toBeGreaterThanOrEqual(0);
    expect(attempts.data[0].response_body).toBe('x'.repeat(1000));
    const same = await w.get(`/api/v1/webhooks/messages/${message.id}/attempts`);
    expect(same.data).toEqual(attempts.data);
  });

  it('publishes every webhook route in the OpenAPI document, admin-only', async () => {
    const doc = (await w.t.call('GET', '/openapi.json')).body;
    for (const path of [
      '/api/v1/webhooks/endpoints',
      '/api/v1/webhooks/endpoints/{id}/rotate-secret',
      '/api/v1/webhooks/endpoints/{id}/replay',
      '/api/v1/webhooks/dead-letters',
      '/api/v1/webhooks/messages/{id}/attempts',
      '/api/v1/partners/{partner_id}/postbacks',
    ])
      expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths['/api/v1/webhooks/endpoints'].post['x-required-scope']).toBe('admin');
    const reader = await w.t.token(['customers:read']);
    const res = await w.t.call('GET', '/api/v1/webhooks/endpoints', { token: reader });
    expect(res.status).toBe(403);
  });
});
