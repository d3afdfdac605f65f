import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';

let t: TestServer;
let token: string;
let pb: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.token(['admin']);
  const res = await t.call('POST', '/api/v1/connectors/sources', { token, body: { id: 'legacy-crm', name: 'Legacy CRM', kind: 'postback', auth: 'token' } });
  expect(res.status).toBe(201);
  pb = res.body.credential.token;
});
afterAll(() => t.stop());

const get = (query: string) => t.call('GET', `/api/v1/postback?token=${encodeURIComponent(pb)}&${query}`);
const events = async (type: string) => (await t.call('GET', `/api/v1/events?type=${type}&limit=1000`, { token })).body.data;

describe('postbacks', () => {
  it('registration, ftd, kyc and deposit become customers and transactions', async () => {
    const reg = await get('event=registration&customer_id=P-1&click_id=clk-1&affiliate_id=IB-9&country=ae&date=2026-03-01T10:00:00Z');
    expect(reg.status, reg.text).toBe(200);
    expect(reg.body.data).toMatchObject({ status: 'accepted', entity: 'customer', result: { meta: { created: 1 } } });
    expect((await get('event=ftd&customer_id=P-1&amount=250&currency=usd&date=2026-03-01T11:00:00Z')).body.data.status).toBe('accepted');
    expect((await get('event=kyc&customer_id=P-1&kyc_status=approved')).body.data.status).toBe('accepted');
    const form = await t.call('POST', '/api/v1/postback', {
      raw: `token=${encodeURIComponent(pb)}&event=deposit&customer_id=P-1&transaction_id=T-2&amount=100.50&currency=USD&date=2026-03-02T11:00:00Z`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status, form.text).toBe(200);
    const c = (await t.call('GET', '/api/v1/forex/customers', { token })).body.data[0];
    expect(c).toMatchObject({ customer_id: 'P-1', click_id: 'clk-1', affiliate_id: 'IB-9', country_code: 'AE', kyc_status_id: 'approved', first_deposit_at: '2026-03-01T11:00:00.000Z' });
    const txs = (await t.call('GET', '/api/v1/forex/transactions?customer_id=P-1', { token })).body.data;
    expect(txs.map((x: { transaction_id: string; amount: string }) => `${x.transaction_id}:${x.amount}`)).toEqual(['ftd-P-1:250', 'T-2:100.50']);
  });

  it('is idempotent: the same postback again answers duplicate and writes no event', async () => {
    const before = (await events('deposit.first')).length + (await events('customer.registered')).length;
    expect((await get('event=ftd&customer_id=P-1&amount=250&currency=USD')).body.data.status).toBe('duplicate');
    expect((await get('event=registration&customer_id=P-1')).body.data.status).toBe('duplicate');
    expect((await get('event=deposit&customer_id=P-1&transaction_id=T-2&amount=100.50&currency=USD')).body.data.status).toBe('duplicate');
    expect((await events('deposit.first')).length + (await events('customer.registered')).length).toBe(before);
    // Another KYC status is another event.
    expect((await get('event=kyc&customer_id=P-1&kyc_status=rejected')).body.data.status).toBe('accepted');
  });

  it('refuses a bad token, an unknown event, missing or wrong fields, storing nothing', async () => {
    expect((await t.call('GET', '/api/v1/postback?token=opb_wrong&event=registration&customer_id=X')).status).toBe(401);
    expect((await t.call('GET', '/api/v1/postback?event=registration&customer_id=X')).status).toBe(401);
    expect((await get('event=signup&customer_id=X')).status).toBe(400);
    const missing = await get('event=deposit&customer_id=P-1&amount=5');
    expect(missing.status).toBe(422);
    expect(missing.body.error.details.map((d: { field: string }) => d.field)).toEqual(['currency', 'transaction_id']);
    const wrong = await get('event=deposit&customer_id=P-1&transaction_id=T-9&amount=12e3&currency=USD');
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details[0]).toMatchObject({ field: 'amount' });
    const orphan = await get('event=ftd&customer_id=NOPE&amount=5&currency=USD');
    expect(orphan.status).toBe(422);
    const txs = (await t.call('GET', '/api/v1/forex/transactions', { token })).body.data;
    expect(txs.map((x: { transaction_id: string }) => x.transaction_id)).toEqual(['ftd-P-1', 'T-2']);
    const letters = (await t.call('GET', '/api/v1/connectors/dead-letters?source=postback:legacy-crm', { token })).body.data;
    expect(letters.map((l: { event_key: string }) => l.event_key)).toEqual(['deposit|T-9', 'ftd|NOPE']);
  });
});
