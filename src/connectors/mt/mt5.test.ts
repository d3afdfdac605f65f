import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchMysql, type ScratchDatabase } from '../../../test/helpers/mariadb.ts';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { runOnce } from '../pull/run.ts';
import { MT5_SCHEMA } from './fixtures.ts';

let t: TestServer;
let token: string;
let my: ScratchDatabase;

interface Deal {
  deal: number;
  login: number;
  action: number;
  entry: number;
  time: string;
  symbol?: string;
  price?: number;
  volume?: number;
  volumeClosed?: number;
  profit?: number;
  commission?: number;
  storage?: number;
  position?: number;
  pricePosition?: number;
  comment?: string;
  profitRaw?: number;
  rateProfit?: number;
}
const insertDeal = (d: Deal) =>
  my.conn.query(
    `INSERT INTO mt5_deals (Deal, Timestamp, Login, Action, Entry, Time, TimeMsc, Symbol, Price, Volume, VolumeExt, VolumeClosed, VolumeClosedExt, Profit, Commission, Storage, PositionID, PricePosition, Comment, ProfitRaw, RateProfit)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      d.deal, d.deal * 1000, d.login, d.action, d.entry, d.time, `${d.time}.250000`, d.symbol ?? '', d.price ?? 0, d.volume ?? 0, (d.volume ?? 0) * 10_000,
      d.volumeClosed ?? 0, (d.volumeClosed ?? 0) * 10_000, d.profit ?? 0, d.commission ?? 0, d.storage ?? 0, d.position ?? 0, d.pricePosition ?? 0, d.comment ?? '', d.profitRaw ?? d.profit ?? 0, d.rateProfit ?? 1,
    ],
  );

beforeAll(async () => {
  my = await scratchMysql();
  t = await startTestServer();
  token = await t.token(['admin']);
  await my.conn.query(MT5_SCHEMA);
  const user = (login: number, group: string, reg: string, name: string, country: string, agent: number, campaign = '') =>
    my.conn.query('INSERT INTO mt5_users (Login, Timestamp, `Group`, Registration, LastAccess, Name, Country, Email, Leverage, Agent, LeadCampaign) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 100, ?, ?)', [
      login, login, group, reg, reg, name, country, `u${login}@example.com`, agent, campaign,
    ]);
  await user(1006, 'real\\USD', '2019-01-10 12:00:00', 'Ada Lovelace', 'United Kingdom', 2001, 'spring');
  await user(1007, 'real\\USD', '2019-01-11 12:00:00', 'Alan Turing', 'Cyprus', 0);
  // Server time is Nicosia (UTC+2 in January): 10:05 on the server is 08:05 UTC.
  await insertDeal({ deal: 19, login: 1006, action: 2, entry: 0, time: '2019-01-14 09:00:00', profit: 30000, comment: 'Deposit' });
  // A buy in and sell out pair (the real rows: 1 lot EURUSD, -8 USD).
  await insertDeal({ deal: 20, login: 1006, action: 0, entry: 0, time: '2019-01-14 10:00:00', symbol: 'EURUSD', price: 1.14037, volume: 10000, position: 20, commission: -3 });
  await insertDeal({ deal: 21, login: 1006, action: 1, entry: 1, time: '2019-01-14 10:05:00', symbol: 'EURUSD', price: 1.14029, volume: 10000, volumeClosed: 10000, profit: -8, position: 20, pricePosition: 1.14037, commission: -3 });
  // A sell in and buy out pair.
  await insertDeal({ deal: 30, login: 1006, action: 1, entry: 0, time: '2019-01-14 11:00:00', symbol: 'GBPUSD', price: 1.2861, volume: 5000, position: 30 });
  await insertDeal({ deal: 31, login: 1006, action: 0, entry: 1, time: '2019-01-14 11:30:00', symbol: 'GBPUSD', price: 1.2878, volume: 5000, volumeClosed: 5000, profit: -86, storage: -1.5, position: 30 });
  // A close-by: a 1-lot buy and a 0.5-lot sell close each other; half the buy stays open.
  await insertDeal({ deal: 40, login: 1006, action: 0, entry: 0, time: '2019-01-14 12:00:00', symbol: 'EURUSD', price: 1.141, volume: 10000, position: 40 });
  await insertDeal({ deal: 41, login: 1006, action: 1, entry: 0, time: '2019-01-14 12:10:00', symbol: 'EURUSD', price: 1.1412, volume: 5000, position: 41 });
  await insertDeal({ deal: 42, login: 1006, action: 1, entry: 3, time: '2019-01-14 12:20:00', symbol: 'EURUSD', price: 1.1412, volume: 5000, volumeClosed: 5000, profit: 10, position: 40, pricePosition: 1.141 });
  await insertDeal({ deal: 43, login: 1006, action: 0, entry: 3, time: '2019-01-14 12:20:00', symbol: 'EURUSD', price: 1.141, volume: 5000, volumeClosed: 5000, profit: -9, position: 41, pricePosition: 1.1412 });
  // EURGBP on a USD account: profit in the account currency (-11 GBP × 1.27886 = -14.07 USD),
  // closed at 01:30 server time on the 15th, which is 23:30 UTC on the 14th.
  await insertDeal({ deal: 50, login: 1007, action: 0, entry: 0, time: '2019-01-14 20:00:00', symbol: 'EURGBP', price: 0.8912, volume: 2000, position: 50 });
  await insertDeal({ deal: 51, login: 1007, action: 1, entry: 1, time: '2019-01-15 01:30:00', symbol: 'EURGBP', price: 0.8901, volume: 2000, volumeClosed: 2000, profit: -14.07, profitRaw: -11, rateProfit: 1.27886, position: 50 });
  await insertDeal({ deal: 60, login: 1007, action: 2, entry: 0, time: '2019-01-16 09:00:00', profit: -500, comment: 'Withdrawal' });
  await insertDeal({ deal: 61, login: 1007, action: 3, entry: 0, time: '2019-01-16 09:01:00', profit: 100, comment: 'Credit' });
});
afterAll(async () => {
  await t?.stop();
  await my?.drop();
});
const get = async (path: string) => (await t.call('GET', path, { token })).body.data;

describe('MT5 database connector', () => {
  it('books closing deals once per round trip, with Volume/10000 lots, server time converted to UTC', async () => {
    const res = await t.call('POST', '/api/v1/connectors', {
      token,
      body: { id: 'mt5-live', name: 'MT5 live', kind: 'mt5', config: { server: 'live2', currency: 'USD', server_time_zone: 'Europe/Nicosia' }, secrets: { mysql_url: my.url } },
    });
    expect(res.status, res.text).toBe(201);
    expect(await runOnce(t.server.ctx, 'mt5-live')).toMatchObject({ status: 'ok', records_rejected: 0 });

    const customers = await get('/api/v1/forex/customers');
    expect(customers.map((c: Record<string, string>) => [c.customer_id, c.affiliate_id, c.country_code, c.campaign_id, c.signup_date])).toEqual([
      ['mt5-live2-1006', '2001', 'GB', 'spring', '2019-01-10T10:00:00.000Z'],
      ['mt5-live2-1007', '', 'CY', null, '2019-01-11T10:00:00.000Z'],
    ]);
    const deals = await get('/api/v1/forex/deals?per_page=100');
    expect(deals.map((d: Record<string, string>) => [d.deal_id, d.symbol, d.side, d.lots, d.profit, d.commission, d.close_time])).toEqual([
      ['mt5-live2-21', 'EURUSD', 'buy', '1', '-8', '-6', '2019-01-14T08:05:00.250Z'],
      ['mt5-live2-31', 'GBPUSD', 'sell', '0.5', '-86', '0', '2019-01-14T09:30:00.250Z'],
      ['mt5-live2-42', 'EURUSD', 'buy', '0.5', '10', '0', '2019-01-14T10:20:00.250Z'],
      ['mt5-live2-43', 'EURUSD', 'sell', '0.5', '-9', '0', '2019-01-14T10:20:00.250Z'],
      ['mt5-live2-51', 'EURGBP', 'buy', '0.2', '-14.07', '0', '2019-01-14T23:30:00.250Z'],
    ]);
    expect(deals[0]).toMatchObject({ open_time: '2019-01-14T08:00:00.250Z', open_price: '1.14037', close_price: '1.14029', currency: 'USD', login: '1006' });
    expect(deals[4]).toMatchObject({ currency: 'USD', customer_id: 'mt5-live2-1007' });

    const activity = await get('/api/v1/forex/trading-activity?per_page=100');
    expect(activity.map((a: Record<string, string>) => [a.date, a.customer_id, a.instrument, a.currency, a.lots_traded, a.commission, a.pnl])).toEqual(
      expect.arrayContaining([
        ['2019-01-14', 'mt5-live2-1006', 'EURUSD', 'USD', '2.0', '6', '-7'],
        ['2019-01-14', 'mt5-live2-1006', 'GBPUSD', 'USD', '0.5', '0', '-87.5'],
        ['2019-01-14', 'mt5-live2-1007', 'EURGBP', 'USD', '0.2', '0', '-14.07'],
      ]),
    );
    expect(activity).toHaveLength(3);

    const txs = await get('/api/v1/forex/transactions');
    expect(txs.map((x: Record<string, string>) => [x.transaction_id, x.transaction_type, x.amount, x.status, x.transaction_date])).toEqual([
      ['mt5-live2-19', 'deposit', '30000', 'approved', '2019-01-14T07:00:00.250Z'],
      ['mt5-live2-60', 'withdrawal', '500', 'approved', '2019-01-16T07:00:00.250Z'],
    ]);
    const status = await get('/api/v1/connectors/mt5-live');
    expect(status).toMatchObject({ cursor: { users: { t: '1007', id: '1007' }, deal: '61' }, records_in: 9, records_rejected: 0, last_error: null });
  });

  it('follows the deal cursor: only new deals are read, and a rerun changes nothing', async () => {
    await insertDeal({ deal: 62, login: 1006, action: 0, entry: 1, time: '2019-01-17 10:00:00', symbol: 'GBPUSD', price: 1.29, volume: 2500, volumeClosed: 2500, profit: 4, position: 62 });
    expect(await runOnce(t.server.ctx, 'mt5-live')).toMatchObject({ status: 'ok', records_in: 1 });
    expect(await runOnce(t.server.ctx, 'mt5-live')).toMatchObject({ status: 'ok', records_in: 0 });
    expect((await get('/api/v1/forex/deals?per_page=100')).length).toBe(6);
  });

  it('fails the run with a clear reason when the database cannot be reached', async () => {
    await t.call('POST', '/api/v1/connectors', { token, body: { id: 'mt5-gone', name: 'gone', kind: 'mt5', config: { server: 'x', currency: 'USD' }, secrets: { mysql_url: 'mysql://root@127.0.0.1:9/none' } } });
    const run = await runOnce(t.server.ctx, 'mt5-gone');
    expect(run).toMatchObject({ status: 'failed' });
    expect(run.error).toMatch(/Cannot connect to MySQL at 127\.0\.0\.1:9/);
  });
});
