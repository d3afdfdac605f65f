import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';

let t: TestServer;
let token: string;
let secret: string;
let apiKey: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.token(['admin']);
  const signed = await t.call('POST', '/api/v1/connectors/sources', { token, body: { id: 'crm', name: 'CRM', kind: 'webhook', auth: 'signature', mapping: 'example-crm-lifecycle' } });
  expect(signed.status).toBe(201);
  secret = signed.body.credential.secret;
  const shaken = await t.call('POST', '/api/v1/connectors/sources', { token, body: { id: 'wf', name: 'Workflow', kind: 'webhook', auth: 'handshake', mapping: 'example-workflow-webhook' } });
  apiKey = shaken.body.credential.api_key;
});
afterAll(() => t.stop());

const registered = (id: string, userId = 100234) => ({
  id,
  type: 'user.registered',
  created: 1772373900,
  data: { user: { id: userId, email: 'ada@example.com', country: 'ae', registered_at: 1772373900, kyc_status: 1, referral: { partner_id: 'IB-2001' } } },
});

function send(body: unknown, opts: { msgId?: string; at?: Date; key?: string; raw?: string; headers?: Record<string, string> } = {}) {
  const raw = opts.raw ?? JSON.stringify(body);
  const msgId = opts.msgId ?? `msg_${Math.random().toString(36).slice(2)}`;
  const at = opts.at ?? new Date();
  const signature = new Webhook(opts.key ?? secret).sign(msgId, at, raw);
  return t.call('POST', '/api/v1/inbound/crm', {
    raw,
    headers: {
      'content-type': 'application/json',
      'webhook-id': msgId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
      ...opts.headers,
    },
  });
}
const customers = async () => (await t.call('GET', '/api/v1/forex/customers?per_page=500', { token })).body.data;
const events = async (type: string) => (await t.call('GET', `/api/v1/events?type=${type}&limit=1000`, { token })).body.data;

describe('signed webhooks (Standard Webhooks)', () => {
  it('applies a correctly signed event through the mapping', async () => {
    const res = await send(registered('evt_1'), { msgId: 'msg_1' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'accepted', event_type: 'user.registered', entity: 'customer', result: { meta: { created: 1 } } });
    const [c] = await customers();
    expect(c).toMatchObject({ customer_id: '100234', affiliate_id: 'IB-2001', country_code: 'AE', kyc_status_id: 'pending', signup_date: '2026-03-01T14:05:00.000Z' });
  });

  it('answers duplicate for a webhook id seen before and changes nothing', async () => {
    const before = (await events('customer.registered')).length;
    const res = await send(registered('evt_1'), { msgId: 'msg_1' });
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('duplicate');
    expect((await events('customer.registered')).length).toBe(before);
  });

  it('refuses a wrong signature, a wrong secret and missing headers with 401, storing nothing', async () => {
    const body = registered('evt_x', 555);
    const tampered = await send(body, { headers: { 'webhook-signature': 'v1,AAAA' } });
    expect(tampered.status).toBe(401);
    expect(tampered.body.error.message).toMatch(/signature is not valid/);
    const other = await send(body, { key: `whsec_${Buffer.alloc(32, 7).toString('base64')}` });
    expect(other.status).toBe(401);
    const bare = await t.call('POST', '/api/v1/inbound/crm', { body });
    expect(bare.status).toBe(401);
    expect((await customers()).map((c: { customer_id: string }) => c.customer_id)).not.toContain('555');
  });

  it('refuses a timestamp more than 5 minutes old or ahead', async () => {
    const old = await send(registered('evt_old', 556), { at: new Date(Date.now() - 6 * 60_000) });
    expect(old.status).toBe(401);
    expect(old.body.error.message).toMatch(/too old.*within 5 minutes/);
    const ahead = await send(registered('evt_new', 557), { at: new Date(Date.now() + 6 * 60_000) });
    expect(ahead.status).toBe(401);
    const edge = await send(registered('evt_edge', 558), { at: new Date(Date.now() - 4 * 60_000) });
    expect(edge.status).toBe(200);
  });

  it('answers 404 for an unknown source, 415 for non-JSON, 400 for broken JSON and 413 for an oversized body', async () => {
    expect((await t.call('POST', '/api/v1/inbound/nobody', { body: {} })).status).toBe(404);
    expect((await send(null, { raw: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    const broken = await send(null, { raw: '{"id": "evt_b", "type": ' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    const huge = await send(null, { raw: JSON.stringify({ id: 'evt_h', type: 'user.registered', pad: 'x'.repeat(300 * 1024) }) });
    expect(huge.status).toBe(413);
  });

  it('refuses an event whose mapped record is invalid with 422, files a dead letter, and a retry after the fix applies it', async () => {
    const deposit = { id: 'evt_dep', type: 'deposit.approved', created: 1772377500, data: { transaction: { id: 77, user_id: 999, amount: '250.00', currency: 'usd', processed_at: 1772377500 } } };
    const res = await send(deposit, { msgId: 'msg_dep' });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0]).toMatchObject({ field: 'customer_id', reason: expect.stringMatching(/no customer "999"/) });
    const again = await send(deposit, { msgId: 'msg_dep' });
    expect(again.status).toBe(422);
    const letters = (await t.call('GET', '/api/v1/connectors/dead-letters?source=inbound:crm', { token })).body.data;
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ event_key: 'msg_dep', attempts: 2, status: 'open', payload: { kind: 'event', mapping: 'example-crm-lifecycle' } });
    expect((await events('connector.dead_lettered')).length).toBeGreaterThanOrEqual(2);

    expect((await send(registered('evt_999', 999))).status).toBe(200);
    const retried = await t.call('POST', `/api/v1/connectors/dead-letters/${letters[0].id}/retry`, { token });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ ok: true, data: { status: 'resolved' } });
    const txs = (await t.call('GET', '/api/v1/forex/transactions?customer_id=999', { token })).body.data;
    expect(txs).toEqual([expect.objectContaining({ transaction_id: 'dep-77', amount: '250.00', currency: 'USD', status: 'approved' })]);
    // The sender's own redelivery is now a duplicate.
    expect((await send(deposit, { msgId: 'msg_dep' })).body.data.status).toBe('duplicate');
    const source = (await t.call('GET', '/api/v1/connectors/sources/crm', { token })).body.data;
    expect(source).toMatchObject({ records_rejected: 2, last_error: expect.stringMatching(/customer_id/) });
  });

  it('rotating the secret retires the old one', async () => {
    const rotated = await t.call('POST', '/api/v1/connectors/sources/crm/rotate', { token });
    expect(rotated.status).toBe(200);
    const old = secret;
    secret = rotated.body.credential.secret;
    expect((await send(registered('evt_r1', 700), { key: old })).status).toBe(401);
    expect((await send(registered('evt_r2', 701))).status).toBe(200);
  });
});

describe('handshake mode', () => {
  const event = (id: string, extra: Record<string, unknown> = {}) => ({ eventId: id, eventType: 'user.registered', customerId: `WF-${id}`, email: 'wf@example.com', occurredAt: '2026-03-01T10:00:00Z', ...extra });
  const handshake = (headers: Record<string, string>) => t.call('POST', '/api/v1/inbound/wf/handshake', { headers });

  it('exchanges the API key (Authorization or x-api-key) for a 300-second session token', async () => {
    expect((await handshake({ 'x-api-key': 'oik_wrong' })).status).toBe(401);
    expect((await handshake({})).status).toBe(401);
    const viaAuth = await handshake({ authorization: apiKey });
    expect(viaAuth.status).toBe(200);
    expect(viaAuth.body.data).toEqual({ sessionToken: expect.stringMatching(/^ois_/), expiresIn: 300 });
    const viaHeader = await handshake({ 'x-api-key': apiKey });
    const res = await t.call('POST', '/api/v1/inbound/wf', { body: event('1'), headers: { 'x-session-token': viaHeader.body.data.sessionToken } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.status).toBe('accepted');
  });

  it('refuses events without a token, with a wrong one, and after the token expires', async () => {
    expect((await t.call('POST', '/api/v1/inbound/wf', { body: event('2') })).status).toBe(401);
    expect((await t.call('POST', '/api/v1/inbound/wf', { body: event('2'), headers: { 'x-session-token': 'ois_nope' } })).status).toBe(401);
    const { sessionToken } = (await handshake({ 'x-api-key': apiKey })).body.data;
    await t.server.ctx.db.query(`UPDATE connector_sessions SET expires_at = now() - interval '1 second'`);
    const expired = await t.call('POST', '/api/v1/inbound/wf', { body: event('2'), headers: { 'x-session-token': sessionToken } });
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toMatch(/expired/);
    expect((await customers()).map((c: { customer_id: string }) => c.customer_id)).not.toContain('WF-2');
  });

  it('needs an event id in the payload, since there is no webhook-id header', async () => {
    const { sessionToken } = (await handshake({ 'x-api-key': apiKey })).body.data;
    const res = await t.call('POST', '/api/v1/inbound/wf', { body: { eventType: 'user.registered', customerId: 'WF-x', occurredAt: '2026-03-01T10:00:00Z' }, headers: { 'x-session-token': sessionToken } });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].field).toBe('eventId');
  });
});
