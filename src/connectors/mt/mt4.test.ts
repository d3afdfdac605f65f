import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchMysql, type ScratchDatabase } from '../../../test/helpers/mariadb.ts';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { runOnce } from '../pull/run.ts';
import { MT4_SCHEMA } from './fixtures.ts';

let t: TestServer;
let token: string;
let my: ScratchDatabase;
beforeAll(async () => {
  my = await scratchMysql();
  t = await startTestServer({}, { persistent: true });
  token = await t.token(['admin']);
  await my.conn.query(MT4_SCHEMA);
  const user = (login: number, group: string, name: string, country: string, email: string, regdate: string, leverage: number, agent: number, currency: string, modified: string) =>
    my.conn.query(
      'INSERT INTO mt4_users (LOGIN, `GROUP`, NAME, COUNTRY, EMAIL, REGDATE, LASTDATE, LEVERAGE, AGENT_ACCOUNT, TIMESTAMP, CURRENCY, MODIFY_TIME) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)',
      [login, group, name, country, email, regdate, regdate, leverage, agent, currency, modified],
    );
  await user(5001, 'real-usd', 'John Smith', 'Germany', 'john@example.com', '2026-02-01 12:00:00', 500, 7001, 'USD', '2026-02-01 12:00:00');
  await user(5002, 'real-eur', 'Marie Curie', 'France', 'not-an-email', '2026-02-03 08:30:00', 100, 0, 'EUR', '2026-02-03 08:30:00');
  const trade = (ticket: number, login: number, symbol: string, cmd: number, volume: number, open: string, close: string, profit: number, extra: { commission?: number; swaps?: number; openPrice?: number; closePrice?: number; comment?: string; modified?: string } = {}) =>
    my.conn.query(
      `INSERT INTO mt4_trades (TICKET, LOGIN, SYMBOL, DIGITS, CMD, VOLUME, OPEN_TIME, OPEN_PRICE, CLOSE_TIME, CLOSE_PRICE, COMMISSION, SWAPS, PROFIT, COMMENT, MODIFY_TIME)
       VALUES (?, ?, ?, 5, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [ticket, login, symbol, cmd, volume, open, extra.openPrice ?? 0, close, extra.closePrice ?? 0, extra.commission ?? 0, extra.swaps ?? 0, profit, extra.comment ?? '', extra.modified ?? (close.startsWith('1970') ? open : close)],
    );
  await trade(100, 5001, '', 6, 0, '2026-03-02 09:00:00', '2026-03-02 09:00:00', 1000, { comment: 'Deposit' });
  await trade(101, 5001, 'EURUSD', 0, 150, '2026-03-02 10:00:00', '2026-03-02 12:00:00', 45.5, { commission: -10.5, swaps: -1.2, openPrice: 1.0842, closePrice: 1.08723 });
  await trade(102, 5001, 'XAUUSD', 1, 20, '2026-03-02 13:00:00', '2026-03-02 14:00:00', -30, { openPrice: 2150.1, closePrice: 2151.6 });
  await trade(103, 5001, 'EURUSD', 0, 100, '2026-03-02 15:00:00', '1970-01-01 00:00:00', 0, { openPrice: 1.0851 });
  await trade(104, 5001, 'GBPUSD', 2, 100, '2026-03-02 15:30:00', '1970-01-01 00:00:00', 0);
  await trade(105, 5002, '', 6, 0, '2026-03-03 09:00:00', '2026-03-03 09:00:00', -200, { comment: 'Withdrawal' });
  await trade(106, 5002, '', 7, 0, '2026-03-03 09:05:00', '2026-03-03 09:05:00', 50, { comment: 'Credit' });
  await trade(107, 9999, 'EURUSD', 1, 100, '2026-03-03 10:00:00', '2026-03-03 11:00:00', 3);
});
afterAll(async () => {
  await t?.stop();
  await my?.drop();
});

const get = async (path: string) => (await t.call('GET', path, { token })).body.data;

describe('MT4 database connector', () => {
  it('maps users to customers and closed trades to deals with lots = VOLUME/100, resuming across a restart', async () => {
    const res = await t.call('POST', '/api/v1/connectors', {
      token,
      body: { id: 'mt4-live', name: 'MT4 live', kind: 'mt4', config: { server: 'live1', currency: 'USD', batch_size: 2, max_batches_per_run: 2 }, secrets: { mysql_url: my.url } },
    });
    expect(res.status, res.text).toBe(201);
    // Run 1: one batch of users and one of trades (batch size 2), then the run's budget is spent.
    expect(await runOnce(t.server.ctx, 'mt4-live')).toMatchObject({ status: 'ok', records_in: 4 });
    const cursor = (await get('/api/v1/connectors/mt4-live')).cursor;
    expect(cursor).toEqual({ users: { t: '2026-02-03 08:30:00', id: '5002' }, trades: { t: '2026-03-02 12:00:00', id: '101' } });

    await t.restart();
    expect(await runOnce(t.server.ctx, 'mt4-live')).toMatchObject({ status: 'ok', records_in: 2 });
    expect(await runOnce(t.server.ctx, 'mt4-live')).toMatchObject({ status: 'ok', records_in: 0, records_rejected: 1 });

    const customers = await get('/api/v1/forex/customers');
    expect(customers).toEqual([
      expect.objectContaining({ customer_id: 'mt4-live1-5001', affiliate_id: '7001', country_code: 'DE', email: 'john@example.com', leverage: '1:500', first_name: 'John', last_name: 'Smith', signup_date: '2026-02-01T12:00:00.000Z', trading_account_type: 'real-usd' }),
      expect.objectContaining({ customer_id: 'mt4-live1-5002', affiliate_id: '', country_code: 'FR', email: null }),
    ]);
    const deals = await get('/api/v1/forex/deals');
    expect(deals.map((d: Record<string, string>) => [d.deal_id, d.side, d.lots, d.symbol, d.currency, d.profit])).toEqual([
      ['mt4-live1-101', 'buy', '1.5', 'EURUSD', 'USD', '45.5'],
      ['mt4-live1-102', 'sell', '0.2', 'XAUUSD', 'USD', '-30'],
    ]);
    expect(deals[0]).toMatchObject({ open_time: '2026-03-02T10:00:00.000Z', close_time: '2026-03-02T12:00:00.000Z', commission: '-10.5', swap: '-1.2', login: '5001', platform: 'mt4' });
    const txs = await get('/api/v1/forex/transactions');
    expect(txs.map((x: Record<string, string>) => [x.transaction_id, x.transaction_type, x.amount, x.currency, x.status, x.comment])).toEqual([
      ['mt4-live1-100', 'deposit', '1000', 'USD', 'approved', 'Deposit'],
      ['mt4-live1-105', 'withdrawal', '200', 'EUR', 'approved', 'Withdrawal'],
    ]);
    const activity = await get('/api/v1/forex/trading-activity');
    expect(activity.map((a: Record<string, string>) => [a.date, a.instrument, a.lots_traded, a.commission, a.pnl])).toEqual([
      ['2026-03-02', 'EURUSD', '1.5', '10.5', '44.3'],
      ['2026-03-02', 'XAUUSD', '0.2', '0', '-30'],
    ]);
    const letters = (await t.call('GET', '/api/v1/connectors/dead-letters?source=mt4:mt4-live', { token })).body.data;
    expect(letters).toEqual([expect.objectContaining({ entity: 'deal', event_key: 'mt4-live1-107', error: expect.stringMatching(/no customer "mt4-live1-9999"/) })]);
  });

  it('picks up an open trade when it closes (its row is rewritten with a new MODIFY_TIME) and changes nothing on a rerun', async () => {
    await my.conn.query(`UPDATE mt4_trades SET CLOSE_TIME = '2026-03-04 10:00:00', CLOSE_PRICE = 1.0901, PROFIT = 50, MODIFY_TIME = '2026-03-04 10:00:00' WHERE TICKET = 103`);
    expect(await runOnce(t.server.ctx, 'mt4-live')).toMatchObject({ status: 'ok', records_in: 1 });
    expect(await runOnce(t.server.ctx, 'mt4-live')).toMatchObject({ status: 'ok', records_in: 0 });
    const deals = await get('/api/v1/forex/deals');
    expect(deals.map((d: Record<string, string>) => d.deal_id)).toEqual(['mt4-live1-101', 'mt4-live1-102', 'mt4-live1-103']);
    const rerun = await t.call('PATCH', '/api/v1/connectors/mt4-live', { token, body: { reset_cursor: true, config: { server: 'live1', currency: 'USD', batch_size: 100 } } });
    expect(rerun.status, rerun.text).toBe(200);
    const before = (await t.call('GET', '/api/v1/events?type=deals.upserted', { token })).body.data.length;
    expect(await runOnce(t.server.ctx, 'mt4-live')).toMatchObject({ status: 'ok' });
    expect((await t.call('GET', '/api/v1/events?type=deals.upserted', { token })).body.data.length).toBe(before);
    expect((await get('/api/v1/forex/transactions')).length).toBe(2);
  });
});
