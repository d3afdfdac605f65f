import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../../test/helpers/receiver.ts';
import { startWebhookWorld, type WebhookWorld } from '../../test/helpers/webhooks.ts';

let w: WebhookWorld;
let tracker: Receiver;
let failing = false;
beforeAll(async () => {
  w = await startWebhookWorld({ OPENIB_WEBHOOK_RETRY_SCHEDULE: '0,5' });
  await w.partners('P-1', 'P-2');
  tracker = await startReceiver(() => (failing ? { status: 500 } : { status: 200, body: 'OK' }));
});
afterAll(async () => {
  await w.stop();
  await tracker.close();
});

const base = (partner: string) => `/api/v1/partners/${partner}/postbacks`;
const call = (method: string, path: string, body?: unknown, token = w.admin) => w.t.call(method, path, { token, body });

const attributed = (customer: string, partner: string | undefined, extra: Record<string, unknown> = {}) => ({
  type: 'customer.attributed',
  subjectType: 'customer',
  subjectId: customer,
  data: {
    customer_id: customer,
    ...(partner ? { partner_id: partner } : {}),
    affiliate_id: 'IB-1',
    ancestors: [],
    click_id: 'a b&c=d/é',
    campaign_id: 'spring',
    sub_id: 'x?y#z',
    source: 'link',
    email: 'trader@example.com',
    first_name: 'Ann',
    phone: '+44 20 7946 0000',
    ...extra,
  },
});

describe('partner postbacks', () => {
  let registration: string;

  it('fires a GET with every macro URL-encoded, only for the partner\'s own events', async () => {
    const created = await call('POST', base('P-1'), {
      event: 'registration',
      url: `${tracker.url}/pb/{partner_id}?cid={click_id}&e={event}&sub={sub_id}&c={campaign_id}&u={customer_id}&a={amount}`,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ partner_id: 'P-1', event: 'registration', method: 'GET', enabled: true });
    registration = created.body.id;
    await w.emit([attributed('PB-1', 'P-1'), attributed('PB-2', 'P-2'), attributed('PB-3', undefined)]);
    await w.settle();
    expect(tracker.received).toHaveLength(1);
    const [hit] = tracker.received;
    expect(hit.method).toBe('GET');
    expect(hit.path).toBe('/pb/P-1?cid=a%20b%26c%3Dd%2F%C3%A9&e=registration&sub=x%3Fy%23z&c=spring&u=PB-1&a=');
    const params = new URL(hit.path, tracker.url).searchParams;
    expect(params.get('cid')).toBe('a b&c=d/é');
    expect(params.get('sub')).toBe('x?y#z');
    expect(hit.path + JSON.stringify(hit.headers)).not.toMatch(/trader|Ann|7946/);
  });

  it('fires a POST with the macro values as JSON for a first deposit, and nothing personal', async () => {
    await call('POST', base('P-1'), { event: 'ftd', method: 'POST', url: `${tracker.url}/ftd?tx={transaction_id}` });
    await w.emit([
      {
        type: 'deposit.first',
        subjectType: 'customer',
        subjectId: 'PB-1',
        data: { customer_id: 'PB-1', partner_id: 'P-1', transaction_id: 'T 9', amount: '250.00', currency: 'USD', email: 'trader@example.com' },
      },
    ]);
    await w.settle();
    const hit = tracker.received.at(-1);
    expect(hit?.method).toBe('POST');
    expect(hit?.path).toBe('/ftd?tx=T%209');
    expect(JSON.parse(hit?.body ?? '')).toEqual({
      click_id: '',
      customer_id: 'PB-1',
      event: 'ftd',
      amount: '250.00',
      currency: 'USD',
      campaign_id: '',
      sub_id: '',
      partner_id: 'P-1',
      transaction_id: 'T 9',
    });
  });

  it('shows the partner its postback log and messages', async () => {
    const log = await w.get(`${base('P-1')}/log`);
    expect(log.data).toHaveLength(2);
    expect(log.data[0]).toMatchObject({ outcome: 'delivered', status_code: 200, response_body: 'OK' });
    const messages = await w.get(`${base('P-1')}/messages`);
    expect(messages.data.map((m: { event_type: string }) => m.event_type)).toEqual(['customer.attributed', 'deposit.first']);
    expect((await w.get(`${base('P-2')}/log`)).data).toHaveLength(0);
  });

  it('retries and dead-letters postbacks like webhooks', async () => {
    failing = true;
    await w.emit([attributed('PB-4', 'P-1')]);
    await w.settle();
    await w.advance(6_100);
    const dead = (await w.get('/api/v1/webhooks/dead-letters?kind=postback')).data;
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ endpoint_id: registration, attempts: 2, last_error: 'HTTP 500' });
    expect((await w.get('/api/v1/webhooks/dead-letters?kind=webhook')).data).toHaveLength(0);
    failing = false;
    await call('POST', `/api/v1/webhooks/messages/${dead[0].id}/replay`);
    await w.settle();
    expect(tracker.received.at(-1)?.path).toMatch(/u=PB-4/);
  });

  it('refuses unknown macros (there are none for personal data) and macros in the host', async () => {
    const email = await call('POST', base('P-1'), { event: 'registration', url: `${tracker.url}/?m={email}` });
    expect(email.status).toBe(422);
    expect(email.body.error.details[0]).toMatchObject({ field: 'url' });
    expect(email.body.error.message).toMatch(/\{email\}/);
    const host = await call('POST', base('P-1'), { event: 'registration', url: 'https://{partner_id}.example.com/pb' });
    expect(host.status).toBe(422);
    const kind = await call('POST', base('P-1'), { event: 'signup', url: `${tracker.url}/` });
    expect(kind.status).toBe(422);
  });

  it('lets a partner-bound token manage its own postbacks only', async () => {
    const own = await w.t.token(['postbacks:read', 'postbacks:write'], 'P-1');
    expect((await call('GET', base('P-1'), undefined, own)).body.data).toHaveLength(2);
    const patched = await call('PATCH', `${base('P-1')}/${registration}`, { enabled: false, description: 'Keitaro' }, own);
    expect(patched.body).toMatchObject({ enabled: false, disabled_reason: 'disabled by the partner', description: 'Keitaro' });
    for (const [method, path] of [
      ['GET', base('P-2')],
      ['POST', base('P-2')],
      ['GET', `${base('P-2')}/log`],
      ['PATCH', `${base('P-2')}/${registration}`],
    ]) {
      const res = await call(method, path, method === 'GET' ? undefined : { event: 'ftd', url: `${tracker.url}/` }, own);
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    // Another partner's id in the path never reaches this partner's postback.
    expect((await call('GET', `${base('P-2')}/${registration}`)).status).toBe(404);
    const readOnly = await w.t.token(['postbacks:read'], 'P-1');
    expect((await call('DELETE', `${base('P-1')}/${registration}`, undefined, readOnly)).status).toBe(403);
    const unbound = await w.t.token(['postbacks:read', 'postbacks:write']);
    expect((await call('GET', base('P-1'), undefined, unbound)).status).toBe(403);
    expect((await call('DELETE', `${base('P-1')}/${registration}`, undefined, own)).status).toBe(204);
    expect((await call('GET', base('P-1'))).body.data).toHaveLength(1);
  });

  it('answers 404 for a partner that does not exist, or named by its affiliate id, and stores nothing', async () => {
    const body = { event: 'registration', url: `${tracker.url}/nobody` };
    for (const id of ['P-NOBODY', 'AFF-P-1']) {
      const res = await call('POST', base(id), body);
      expect(res.status, res.text).toBe(404);
      expect(res.body).toEqual({ error: { code: 'not_found', message: expect.stringContaining(id) }, request_id: expect.any(String) });
    }
    const [{ n }] = await w.t.server.ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM webhook_endpoints WHERE kind = 'postback' AND partner_id IN ('P-NOBODY', 'AFF-P-1')`,
    );
    expect(n).toBe(0);
  });
});
