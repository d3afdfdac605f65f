import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.token(['customers:write', 'customers:read', 'admin']);
});
afterAll(() => t.stop());

const customer = (id: string, extra: Record<string, unknown> = {}) => ({
  customer_id: id,
  signup_date: '2026-03-01T14:05:00Z',
  affiliate_id: 'IB-1',
  ...extra,
});
const post = (body: unknown, headers?: Record<string, string>) => t.call('POST', '/api/v1/forex/customers', { token, body, headers });
const get = (query = '') => t.call('GET', `/api/v1/forex/customers${query}`, { token });
const events = async (type: string) => (await t.call('GET', `/api/v1/events?type=${type}&limit=1000`, { token })).body.data;

describe('POST /api/v1/forex/customers', () => {
  it('creates customers with every seed field and reads them back', async () => {
    const res = await post([
      customer('cust-1', {
        last_modified_date: '2026-03-01T14:05:00Z',
        campaign_id: 'spring',
        click_id: 'clk-1',
        lang_id: 'en',
        country_code: 'AE',
        kyc_status_id: 'pending',
        sales_status_id: 'new',
        trading_account_type: 'ECN',
        leverage: '1:500',
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
      }),
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [{ index: 0, id: 'cust-1', outcome: 'created' }],
      meta: { received: 1, created: 1, updated: 0, unchanged: 0 },
    });
    const list = await get('?affiliate_id=IB-1');
    expect(list.body.data[0]).toMatchObject({
      customer_id: 'cust-1',
      signup_date: '2026-03-01T14:05:00.000Z',
      country_code: 'AE',
      lang_id: 'en',
      trading_account_type: 'ECN',
      email: 'ada@example.com',
    });
  });

  it('accepts the {"data": [...]} envelope and updates on customer_id', async () => {
    const res = await t.call('POST', '/api/v1/forex/customers', {
      token,
      body: { data: [customer('cust-1', { kyc_status_id: 'approved', last_modified_date: '2026-03-02T00:00:00Z' })] },
    });
    expect(res.status).toBe(200);
    expect(res.body.data[0].outcome).toBe('updated');
    const [row] = (await get('?kyc_status_id=approved')).body.data;
    expect(row).toMatchObject({ customer_id: 'cust-1', kyc_status_id: 'approved', email: 'ada@example.com', campaign_id: 'spring' });
    const updated = await events('customer.updated');
    expect(updated.at(-1).data.changed).toEqual(expect.arrayContaining(['kyc_status_id', 'last_modified_date']));
    expect(JSON.stringify(updated)).not.toContain('ada@example.com');
  });

  it('keeps newer data when a record with an older last_modified_date arrives, answering unchanged', async () => {
    const res = await post([customer('cust-1', { kyc_status_id: 'rejected', last_modified_date: '2026-03-01T20:00:00Z' })]);
    expect(res.status).toBe(200);
    expect(res.body.data[0].outcome).toBe('unchanged');
    const [row] = (await get('?affiliate_id=IB-1')).body.data;
    expect(row.kyc_status_id).toBe('approved');
  });

  it('stores nothing from a batch in which one record is invalid, and lists every failing record', async () => {
    const before = (await get()).body.meta.total;
    const res = await post([
      customer('good-1'),
      customer('bad-1', { signup_date: 'yesterday' }),
      customer('good-2'),
      { customer_id: '', signup_date: '2026-01-01', affiliate_id: 'x', email: 'not-an-email', country_code: 'XX', lang_id: 'english' },
      customer('bad-2', { country_code: 'ZZ' }), // "Unknown Region" to the runtime, no country to ISO 3166
      customer('bad-3', { country_code: 'UK' }), // reserved: the United Kingdom is GB
    ]);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { index: 1, field: 'signup_date', reason: expect.stringContaining('ISO 8601') },
        { index: 3, field: 'customer_id', reason: 'must be a non-empty string' },
        { index: 3, field: 'email', reason: 'must be a valid email address' },
        { index: 3, field: 'country_code', reason: expect.stringContaining('ISO 3166-1') },
        { index: 3, field: 'lang_id', reason: expect.stringContaining('ISO 639-1') },
        { index: 4, field: 'country_code', reason: expect.stringContaining('ISO 3166-1') },
        { index: 5, field: 'country_code', reason: expect.stringContaining('ISO 3166-1') },
      ]),
    );
    expect((await get()).body.meta.total).toBe(before);
  });

  it('refuses fields a customer record does not have, naming each and the field meant, and stores nothing', async () => {
    const before = (await get()).body.meta.total;
    const res = await post([customer('strict-1', { affilate_id: 'IB-1', country: 'GB', colour: 'blue' }), { ...customer('strict-2'), kyc_status: 'approved' }]);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([
      { index: 0, field: 'affilate_id', reason: 'is not a field of this record; did you mean affiliate_id?' },
      { index: 0, field: 'country', reason: 'is not a field of this record; did you mean country_code?' },
      { index: 0, field: 'colour', reason: 'is not a field of this record' },
      { index: 1, field: 'kyc_status', reason: 'is not a field of this record; did you mean kyc_status_id?' },
    ]);
    expect((await get()).body.meta.total).toBe(before);
  });

  it('requires customer_id, signup_date and affiliate_id', async () => {
    const res = await post([{ email: 'a@b.co' }]);
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['affiliate_id', 'customer_id', 'signup_date']);
    const nulls = await post([{ customer_id: 'n', signup_date: null, affiliate_id: null }]);
    expect(nulls.status).toBe(422);
  });

  it('refuses strings over 500 characters and the same customer twice in one batch', async () => {
    const res = await post([customer('dup'), customer('dup'), customer('long', { campaign_id: 'x'.repeat(501) })]);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { index: 1, field: 'customer_id', reason: expect.stringContaining('repeats the record at index 0') },
        { index: 2, field: 'campaign_id', reason: 'must be at most 500 characters' },
      ]),
    );
  });

  it('replaying the same batch three times leaves identical state and no duplicate events', async () => {
    const batch = [customer('rp-1', { kyc_status_id: 'pending' }), customer('rp-2')];
    const first = await post(batch);
    expect(first.body.meta.created).toBe(2);
    const registered = (await events('customer.registered')).length;
    const snapshot = (await get('?per_page=500')).body.data;
    for (let i = 0; i < 3; i++) {
      const again = await post(batch);
      expect(again.body.meta).toEqual({ received: 2, created: 0, updated: 0, unchanged: 2 });
    }
    expect((await events('customer.registered')).length).toBe(registered);
    expect((await get('?per_page=500')).body.data).toEqual(snapshot);
  });

  it('emits customer.registered for unattributed registrations too', async () => {
    await post([customer('organic-1', { affiliate_id: '' })]);
    const registered = await events('customer.registered');
    expect(registered.find((e: { subject_id: string }) => e.subject_id === 'organic-1')).toBeTruthy();
  });
});

describe('GET /api/v1/forex/customers', () => {
  it('filters by signup range and modified_since and rejects bad dates with 400', async () => {
    await post([customer('range-1', { signup_date: '2025-06-01T00:00:00Z', affiliate_id: 'IB-R' })]);
    const res = await get('?signup_from=2025-05-01T00:00:00Z&signup_to=2025-07-01T00:00:00Z');
    expect(res.body.data.map((c: { customer_id: string }) => c.customer_id)).toEqual(['range-1']);
    const later = await get(`?modified_since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(later.body.data).toEqual([]);
    const bad = await get('?signup_from=not-a-date');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_parameters');
  });

  it('pages by page/per_page and caps per_page at 500', async () => {
    const page = await get('?per_page=2&page=2');
    expect(page.status).toBe(200);
    expect(page.body.meta).toMatchObject({ page: 2, per_page: 2 });
    expect(page.body.data).toHaveLength(2);
    expect((await get('?per_page=501')).status).toBe(400);
  });
});
