import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.token(['admin']);
  await t.call('POST', '/api/v1/forex/customers', {
    token,
    body: ['a1', 'a2'].map((id) => ({ customer_id: id, signup_date: '2026-03-01T00:00:00Z', affiliate_id: 'IB-1' })),
  });
});
afterAll(() => t.stop());

const row = (extra: Record<string, unknown> = {}) => ({
  date: '2026-03-02',
  customer_id: 'a1',
  instrument: 'EURUSD',
  lots_traded: 2.5,
  volume_usd: 270000,
  spread_cost: '17.50',
  commission: 7,
  pnl: -120.35,
  currency: 'USD',
  ...extra,
});
const post = (body: unknown) => t.call('POST', '/api/v1/forex/trading-activity', { token, body });
const get = (query = '') => t.call('GET', `/api/v1/forex/trading-activity${query}`, { token });

describe('POST /api/v1/forex/trading-activity', () => {
  it('stores a day\'s record with exact decimals', async () => {
    const res = await post([row(), row({ instrument: 'XAUUSD', lots_traded: '0.5' }), row({ currency: 'EUR' })]);
    expect(res.status).toBe(200);
    expect(res.body.meta.created).toBe(3);
    expect(res.body.data[0].id).toBe('2026-03-02|a1|EURUSD|USD');
    const list = await get('?customer_id=a1&instrument=EURUSD&date_from=2026-03-02&date_to=2026-03-02');
    expect(list.body.data).toHaveLength(2);
    expect(list.body.data[0]).toMatchObject({ date: '2026-03-02', lots_traded: '2.5', volume_usd: '270000', spread_cost: '17.50', pnl: '-120.35' });
  });

  it('replaces the whole day record on the aggregation key (intraday update)', async () => {
    const res = await post([row({ lots_traded: '3.75', pnl: null, spread_cost: 20 })]);
    expect(res.body.data[0].outcome).toBe('updated');
    const [stored] = (await get('?customer_id=a1&instrument=EURUSD')).body.data.filter((r: { currency: string }) => r.currency === 'USD');
    expect(stored).toMatchObject({ lots_traded: '3.75', pnl: null, spread_cost: '20' });
    expect((await post([row({ lots_traded: '3.75', pnl: null, spread_cost: 20 })])).body.data[0].outcome).toBe('unchanged');
  });

  it('requires an existing customer and validates lots, dates and currencies', async () => {
    const res = await post([
      row({ customer_id: 'ghost' }),
      row({ lots_traded: -1 }),
      row({ lots_traded: '1.234' }),
      row({ date: '2026-02-30' }),
      row({ date: '2026-03-02T00:00:00Z' }),
      row({ currency: 'dollars' }),
      row({ spread_cost: -3 }),
      { date: '2026-03-02', customer_id: 'a1', currency: 'USD' },
    ]);
    expect(res.status).toBe(422);
    const fields = res.body.error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`);
    expect(fields).toEqual(['0:customer_id', '1:lots_traded', '2:lots_traded', '3:date', '4:date', '5:currency', '6:spread_cost', '7:instrument', '7:lots_traded']);
    const ghost = await post([row({ customer_id: 'ghost' }), row({ customer_id: 'a2' })]);
    expect(ghost.status).toBe(422);
    expect(ghost.body.error.details).toEqual([{ index: 0, field: 'customer_id', reason: expect.stringContaining('no customer "ghost"') }]);
    expect((await get('?customer_id=a2')).body.data).toEqual([]);
  });

  it('emits one activity.upserted event per batch that changed rows, none for a replay', async () => {
    const count = async () => (await t.call('GET', '/api/v1/events?type=activity.upserted&limit=1000', { token })).body.data.length;
    const before = await count();
    const batch = [row({ customer_id: 'a2', date: '2026-03-03' }), row({ customer_id: 'a2', date: '2026-03-04' })];
    await post(batch);
    await post(batch);
    await post(batch);
    expect(await count()).toBe(before + 1);
  });
});
