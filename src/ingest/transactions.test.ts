import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.token(['admin']);
  await t.call('POST', '/api/v1/forex/customers', {
    token,
    body: ['c1', 'c2'].map((id) => ({ customer_id: id, signup_date: '2026-03-01T00:00:00Z', affiliate_id: 'IB-1' })),
  });
});
afterAll(() => t.stop());

const tx = (id: string, extra: Record<string, unknown> = {}) => ({
  transaction_id: id,
  customer_id: 'c1',
  transaction_type: 'deposit',
  amount: '100.10',
  currency: 'USD',
  transaction_date: '2026-03-02T10:00:00Z',
  status: 'pending',
  ...extra,
});
const post = (body: unknown) => t.call('POST', '/api/v1/forex/transactions', { token, body });
const get = (query = '') => t.call('GET', `/api/v1/forex/transactions${query}`, { token });
const events = async (type: string) => (await t.call('GET', `/api/v1/events?type=${type}&limit=1000`, { token })).body.data;

describe('POST /api/v1/forex/transactions', () => {
  it('stores every transaction type, keeping amounts exact as decimal strings', async () => {
    const types = ['deposit', 'withdrawal', 'ib_rebate', 'bonus', 'adjustment', 'chargeback'];
    const res = await post(types.map((type, i) => tx(`all-${i}`, { transaction_type: type, amount: i === 4 ? '-0.30' : 0.1 + i, status: 'approved' })));
    expect(res.status).toBe(200);
    expect(res.body.meta.created).toBe(6);
    const list = await get('?customer_id=c1&per_page=10');
    const byId = Object.fromEntries(list.body.data.map((r: { transaction_id: string; amount: string }) => [r.transaction_id, r.amount]));
    expect(byId['all-0']).toBe('0.1');
    expect(byId['all-4']).toBe('-0.30');
    expect(byId['all-2']).toBe('2.1');
  });

  it('accepts amount_currency as the seed\'s name for amount', async () => {
    const { amount: _, ...rest } = tx('alias-1');
    const res = await post([{ ...rest, amount_currency: 250.5 }]);
    expect(res.status).toBe(200);
    const [row] = (await get('?customer_id=c1&status=pending')).body.data.filter((r: { transaction_id: string }) => r.transaction_id === 'alias-1');
    expect(row.amount).toBe('250.5');
  });

  it('moves a status forward by re-sending the same id, and emits status_changed and deposit.first once', async () => {
    expect((await post([tx('dep-1', { customer_id: 'c2' })])).body.data[0].outcome).toBe('created');
    expect((await events('deposit.first')).filter((e: { subject_id: string }) => e.subject_id === 'c2')).toHaveLength(0);
    const approved = await post([tx('dep-1', { customer_id: 'c2', status: 'approved' })]);
    expect(approved.body.data[0].outcome).toBe('updated');
    await post([tx('dep-1', { customer_id: 'c2', status: 'approved' })]);
    await post([tx('dep-2', { customer_id: 'c2', status: 'approved', transaction_date: '2026-03-05T00:00:00Z' })]);
    const firsts = (await events('deposit.first')).filter((e: { subject_id: string }) => e.subject_id === 'c2');
    expect(firsts).toHaveLength(1);
    expect(firsts[0].data).toMatchObject({ transaction_id: 'dep-1', amount: '100.10', currency: 'USD' });
    const changed = (await events('transaction.status_changed')).filter((e: { subject_id: string }) => e.subject_id === 'dep-1');
    expect(changed).toHaveLength(1);
    expect(changed[0].data.previous_status).toBe('pending');
  });

  it('rejects illegal status transitions and changes of identity fields, storing nothing', async () => {
    await post([tx('fin-1', { status: 'approved' })]);
    const res = await post([tx('fin-1b', { status: 'rejected' })]);
    expect(res.status).toBe(200);
    const illegal = await post([tx('fin-1', { status: 'pending' }), tx('fin-1b', { status: 'approved' }), tx('never-stored')]);
    expect(illegal.status).toBe(422);
    expect(illegal.body.error.details).toEqual(
      expect.arrayContaining([
        { index: 0, field: 'status', reason: 'cannot move from approved to pending' },
        { index: 1, field: 'status', reason: 'cannot move from rejected to approved' },
      ]),
    );
    const identity = await post([tx('fin-1', { status: 'approved', currency: 'EUR', customer_id: 'c2', amount: '5' })]);
    expect(identity.status).toBe(422);
    expect(identity.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['amount', 'currency', 'customer_id']);
    expect((await get('?customer_id=c1&per_page=500')).body.data.find((r: { transaction_id: string }) => r.transaction_id === 'never-stored')).toBeUndefined();
  });

  it('validates types, statuses, currencies, signs, digits and the customer reference', async () => {
    const res = await post([
      tx('v-0', { transaction_type: 'gift' }),
      tx('v-1', { status: 'done' }),
      tx('v-2', { currency: 'XYZ' }),
      tx('v-3', { amount: '-5' }),
      tx('v-4', { amount: '1234567890123456' }),
      tx('v-5', { customer_id: 'nobody' }),
      tx('v-6', { amount: '1e5' }),
      tx('v-7', { transaction_date: '2026-13-01T00:00:00Z' }),
    ]);
    expect(res.status).toBe(422);
    const fields = res.body.error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`);
    expect(fields).toEqual(['0:transaction_type', '1:status', '2:currency', '3:amount', '4:amount', '5:customer_id', '6:amount', '7:transaction_date']);
    const missing = await post([tx('v-5', { customer_id: 'nobody' })]);
    expect(missing.status).toBe(422);
    expect(missing.body.error.details[0]).toMatchObject({ index: 0, field: 'customer_id' });
  });

  it('lists unknown customers with the field errors of the same batch, in one answer, storing nothing', async () => {
    const res = await post([tx('u-1', { customer_id: 'nobody-1' }), tx('u-2', { status: 'lost' }), tx('u-3', { customer_id: 'nobody-3', amount: 'x' })]);
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`)).toEqual(['0:customer_id', '1:status', '2:amount', '2:customer_id']);
    expect((await get('?customer_id=nobody-1')).body.data).toEqual([]);
  });

    it('keeps a 16-significant-digit JSON number from slipping through as a rounded double', async () => {
    const res = await t.call('POST', '/api/v1/forex/transactions', {
      token,
      raw: '[{"transaction_id":"p-1","customer_id":"c1","transaction_type":"deposit","amount":1234567.123456789,"currency":"USD","transaction_date":"2026-03-02T10:00:00Z","status":"pending"}]',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0]).toMatchObject({ field: 'amount', reason: 'must not exceed 15 significant digits' });
  });

  it('filters by type, status and date range', async () => {
    const res = await get('?transaction_type=deposit&status=approved&date_from=2026-03-04T00:00:00Z&date_to=2026-03-06T00:00:00Z');
    expect(res.body.data.map((r: { transaction_id: string }) => r.transaction_id)).toEqual(['dep-2']);
    expect((await get('?status=weird')).status).toBe(400);
  });

  it('reads date_to as a whole day, included, when it is a date (as on trading activity), and as an end instant otherwise', async () => {
    const ids = async (q: string) => {
      const res = await get(`?transaction_type=deposit&status=approved&${q}`);
      expect(res.status, res.text).toBe(200);
      return res.body.data.map((r: { transaction_id: string }) => r.transaction_id);
    };
    expect(await ids('date_from=2026-03-05&date_to=2026-03-05')).toEqual(['dep-2']);
    const second = await ids('date_from=2026-03-02&date_to=2026-03-02');
    expect(second).toContain('dep-1');
    expect(second).not.toContain('dep-2');
    expect(await ids('date_from=2026-03-05T00:00:00Z&date_to=2026-03-05T00:00:00Z')).toEqual([]);
    expect((await get('?date_to=2026-02-30')).status).toBe(400);
  });
});
