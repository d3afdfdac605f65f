import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_BROKER_TIMEZONE: 'Europe/Nicosia' });
  token = await t.token(['admin']);
  await t.call('POST', '/api/v1/forex/customers', { token, body: [{ customer_id: 'd1', signup_date: '2026-03-01T00:00:00Z', affiliate_id: 'IB-1' }] });
});
afterAll(() => t.stop());

const deal = (id: string, extra: Record<string, unknown> = {}) => ({
  deal_id: id,
  customer_id: 'd1',
  platform: 'mt5',
  login: '1006',
  symbol: 'EURUSD',
  side: 'buy',
  lots: '1.00',
  open_time: '2026-03-02T09:00:00Z',
  close_time: '2026-03-02T09:12:30Z',
  open_price: 1.14037,
  close_price: 1.14029,
  spread_cost: '7.00',
  commission: '-3.50',
  swap: 0,
  profit: -8,
  currency: 'USD',
  ...extra,
});
const post = (body: unknown) => t.call('POST', '/api/v1/forex/deals', { token, body });
const activity = async () => (await t.call('GET', '/api/v1/forex/trading-activity?customer_id=d1&per_page=500', { token })).body.data;

describe('POST /api/v1/forex/deals', () => {
  it('rolls deals up into the daily activity of their close day in the broker time zone', async () => {
    const res = await post([
      deal('21'),
      deal('22', { lots: '0.50', profit: '12.25', swap: '-0.75', commission: '-1.75', spread_cost: '3.50' }),
      // 23:30 UTC on 2 March is already 3 March in Nicosia (UTC+2).
      deal('23', { close_time: '2026-03-02T23:30:00Z', open_time: '2026-03-02T23:00:00Z', lots: '0.25' }),
    ]);
    expect(res.status).toBe(200);
    expect(res.body.meta.created).toBe(3);
    const rows = await activity();
    const byDay = Object.fromEntries(rows.map((r: { date: string }) => [r.date, r]));
    expect(byDay['2026-03-02']).toMatchObject({ instrument: 'EURUSD', lots_traded: '1.50', commission: '5.25', spread_cost: '10.50', pnl: '3.50' });
    expect(byDay['2026-03-03']).toMatchObject({ lots_traded: '0.25' });
  });

  it('rebuilds the day when a deal changes and changes nothing on replay', async () => {
    expect((await post([deal('22', { lots: '0.70', profit: '12.25', swap: '-0.75', commission: '-1.75', spread_cost: '3.50' })])).body.data[0].outcome).toBe('updated');
    const day = (await activity()).find((r: { date: string }) => r.date === '2026-03-02');
    expect(day.lots_traded).toBe('1.70');
    expect((await post([deal('21')])).body.data[0].outcome).toBe('unchanged');
  });

  it('validates deals like every other batch', async () => {
    const res = await post([
      deal('x1', { side: 'long' }),
      deal('x2', { lots: -1 }),
      deal('x3', { open_time: '2026-03-03T00:00:00Z' }),
      deal('x4', { customer_id: 'nobody' }),
    ]);
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`)).toEqual(['0:side', '1:lots', '2:open_time', '3:customer_id']);
    const missing = await post([deal('x4', { customer_id: 'nobody' })]);
    expect(missing.status).toBe(422);
    expect((await t.call('GET', '/api/v1/forex/deals?customer_id=nobody', { token })).body.data).toEqual([]);
  });
});

describe('deals keyed by platform login', () => {
  it('finds the customer through the trading-account mapping, and says which login is unmapped', async () => {
    const mapped = await t.call('POST', '/api/v1/trading-accounts', { token, body: [{ platform: 'mt5', server: 'live1', login: '7001', customer_id: 'd1' }] });
    expect(mapped.status).toBe(200);
    const { customer_id: _, ...byLogin } = deal('login-1', { login: '7001', server: 'live1', close_time: '2026-03-05T10:00:00Z', open_time: '2026-03-05T09:00:00Z' });
    const ok = await post([byLogin]);
    expect(ok.status).toBe(200);
    const [stored] = (await t.call('GET', '/api/v1/forex/deals?symbol=EURUSD&close_from=2026-03-05T00:00:00Z', { token })).body.data;
    expect(stored).toMatchObject({ deal_id: 'login-1', customer_id: 'd1' });
    const unknown = await post([{ ...byLogin, deal_id: 'login-2', login: '9999' }]);
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details[0]).toMatchObject({ field: 'login', reason: expect.stringContaining('9999') });
    const neither = await post([{ ...byLogin, deal_id: 'login-3', login: undefined }]);
    expect(neither.body.error.details[0]).toMatchObject({ field: 'customer_id' });
  });
});

describe('FX rates', () => {
  it('stores daily rates and refuses zero, equal pairs and bad codes', async () => {
    const ok = await t.call('POST', '/api/v1/fx-rates', { token, body: [{ date: '2026-03-02', base: 'EUR', quote: 'USD', rate: '1.0842' }] });
    expect(ok.status).toBe(200);
    const bad = await t.call('POST', '/api/v1/fx-rates', {
      token,
      body: [
        { date: '2026-03-02', base: 'EUR', quote: 'EUR', rate: '1' },
        { date: '2026-03-02', base: 'GBP', quote: 'USD', rate: '0' },
        { date: '2026-03-02', base: 'ABC', quote: 'USD', rate: '1' },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`)).toEqual(['0:quote', '1:rate', '2:base']);
    const list = await t.call('GET', '/api/v1/fx-rates?base=EUR', { token });
    expect(list.body.data).toEqual([{ date: '2026-03-02', base: 'EUR', quote: 'USD', rate: '1.0842', source: null }]);
  });

  it('derives inverse and USD cross rates, and none when nothing is known', async () => {
    await t.call('POST', '/api/v1/fx-rates', { token, body: [{ date: '2026-03-02', base: 'USD', quote: 'JPY', rate: '150' }] });
    const { fxRate } = await import('../fx/rates.ts');
    const db = t.server.ctx.db;
    expect(await fxRate(db, '2026-03-02', 'EUR', 'USD')).toBe('1.0842');
    expect(await fxRate(db, '2026-03-02', 'EUR', 'JPY')).toBe('162.6300');
    expect(Number(await fxRate(db, '2026-03-02', 'JPY', 'USD'))).toBeCloseTo(1 / 150, 12);
    expect(await fxRate(db, '2026-03-03', 'EUR', 'USD')).toBeNull();
    expect(await fxRate(db, '2026-03-03', 'USD', 'USD')).toBe('1');
  });
});
