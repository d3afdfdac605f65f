import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { generateHistory, type MatchTraderSim, type SimAccount, type SimOperation, type SimPosition, startMatchTrader } from '../../../test/simulators/match-trader.ts';
import { checkLag } from '../pull/catalogue.ts';
import { runOnce } from '../pull/run.ts';

/*
 * Contract tests of the Match-Trader connector against the Broker API simulator: a backfill of a
 * generated history through faults, an incremental sync with a page that changes between calls,
 * and the ledger the result makes compared with the ledger of the same facts posted through the
 * data API into a second database. OPENIB_TEST_MT_POSITIONS sets the history size (default 3,000;
 * bench/connector-match-trader.ts runs 100,000+).
 */

const POSITIONS = Number(process.env.OPENIB_TEST_MT_POSITIONS ?? 3000);
const DAY = 86_400_000;
const now = Date.now();
const FROM = new Date(now - 30 * DAY).toISOString();
const TO = new Date(now - 3_600_000).toISOString();
const GROUPS = ['real\\standard', 'real\\pro'];
const AFFILIATES = ['MT-IB-1', 'MT-IB-2', ''];

let viaConnector: TestServer;
let viaApi: TestServer;
let tokenC: string;
let tokenA: string;
let sim: MatchTraderSim;

async function partnersAndPlan(t: TestServer, token: string) {
  const b = brokerSteps(t, token);
  await b.plan({
    plan_id: 'mt-plan',
    name: 'Match-Trader plan',
    currency: 'USD',
    rules: [
      { type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '6' }, { symbol: 'XAUUSD', rate: '9.5' }, { symbol: '*', rate: '2' }] },
      { type: 'revenue_share', percent: '10', negative_carryover: false },
    ],
  });
  const top = await b.partner('MT-IB-1');
  const sub = await b.partner('MT-IB-2', { parent_id: top });
  await b.assign(top, 'mt-plan');
  await b.assign(sub, 'mt-plan');
}

beforeAll(async () => {
  const env = { OPENIB_COMMISSIONS_AUTO: '0' };
  viaConnector = await startTestServer(env, { role: 'api' });
  viaApi = await startTestServer(env, { role: 'api' });
  tokenC = await viaConnector.token(['admin']);
  tokenA = await viaApi.token(['admin']);
  await partnersAndPlan(viaConnector, tokenC);
  await partnersAndPlan(viaApi, tokenA);
  sim = await startMatchTrader();
  const history = generateHistory({ clients: 60, positions: POSITIONS, operations: Math.ceil(POSITIONS / 10), from: FROM, to: TO, groups: GROUPS, affiliates: AFFILIATES });
  sim.accounts.push(...history.accounts);
  sim.addPositions(history.positions);
  sim.addOperations(history.operations);
}, 120_000);
afterAll(async () => {
  await sim?.close();
  await viaConnector?.stop();
  await viaApi?.stop();
});

const connectorConfig = () => ({
  base_url: sim.url,
  system_uuid: sim.systemUuid,
  groups: GROUPS,
  backfill_from: new Date(Date.parse(FROM) - 2 * DAY).toISOString(),
  limit: 500,
  page_size: 25,
  overlap_seconds: 120,
  timeout_ms: 1000,
  retry: { attempts: 3, base_delay_ms: 5 },
  max_requests_per_run: 100_000,
});

const count = async (t: TestServer, table: string) => Number((await t.server.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

/** Runs the connector until a run ends well (a failed run is resumed by the next one, as the scheduler would). */
async function runUntilOk(maxRuns = 10) {
  const failures: string[] = [];
  for (let i = 0; i < maxRuns; i++) {
    const r = await runOnce(viaConnector.server.ctx, 'mt');
    if (r.status === 'ok') return failures;
    failures.push(r.error ?? r.status);
  }
  throw new Error(`no successful run: ${failures.join(' | ')}`);
}

/** The same facts as the data API takes them: what a broker's own glue would post. */
async function postThroughApi(accounts: SimAccount[], positions: SimPosition[], operations: SimOperation[]) {
  const b = brokerSteps(viaApi, tokenA);
  const server = sim.systemUuid;
  const byLogin = new Map(accounts.map((a) => [a.login, a]));
  const chunks = <T>(list: T[]) => Array.from({ length: Math.ceil(list.length / 1000) }, (_, i) => list.slice(i * 1000, i * 1000 + 1000));
  const clients = new Map<string, SimAccount>();
  for (const a of accounts) if (!clients.has(a.accountUuid)) clients.set(a.accountUuid, a);
  for (const part of chunks([...clients.values()]))
    await b.ok(
      'POST',
      '/api/v1/forex/customers',
      part.map((a) => ({ customer_id: `mtr-${a.accountUuid}`, signup_date: a.created, affiliate_id: a.referralCode ?? '', email: a.email })),
    );
  for (const part of chunks(accounts))
    await b.ok('POST', '/api/v1/trading-accounts', part.map((a) => ({ platform: 'matchtrader', server, login: a.login, customer_id: `mtr-${a.accountUuid}` })));
  for (const part of chunks(positions))
    await b.ok(
      'POST',
      '/api/v1/forex/deals',
      part.map((p) => ({
        deal_id: `matchtrader-${server}-${p.id}`,
        customer_id: `mtr-${byLogin.get(p.login)?.accountUuid}`,
        platform: 'matchtrader',
        server,
        login: p.login,
        symbol: p.symbol,
        side: p.side.toLowerCase(),
        lots: String(p.volume),
        open_time: p.openTime,
        close_time: p.closeTime,
        open_price: String(p.openPrice),
        close_price: String(p.closePrice),
        commission: String(p.commission),
        swap: String(p.swap),
        profit: String(p.profit),
        currency: 'USD',
      })),
    );
  for (const part of chunks(operations))
    await b.ok(
      'POST',
      '/api/v1/forex/transactions',
      part.map((o) => ({
        transaction_id: `matchtrader-${server}-${o.id}`,
        customer_id: `mtr-${byLogin.get(o.login)?.accountUuid}`,
        transaction_type: o.type === 'DEPOSIT' ? 'deposit' : 'withdrawal',
        amount: String(Math.abs(o.profit)),
        currency: 'USD',
        transaction_date: o.time,
        status: 'approved',
        comment: o.comment,
      })),
    );
}

/** Every ledger key with its net amount: what a partner is owed, fact by fact. */
async function ledgerOf(t: TestServer, token: string) {
  const from = new Date(Date.parse(FROM) - 3 * DAY).toISOString().slice(0, 10);
  const to = new Date(now + DAY).toISOString().slice(0, 10);
  await brokerSteps(t, token).run(from, to);
  return t.server.ctx.db.query<{ line: string }>(
    `SELECT concat_ws('|', p.affiliate_id, e.currency, e.kind, e.level, e.source_type, e.source_key, e.rule, e.fact_date, e.customer_id, e.instrument, sum(e.amount)::text) AS line
     FROM ledger_entries e JOIN partners p USING (partner_id)
     GROUP BY p.affiliate_id, e.currency, e.kind, e.level, e.source_type, e.source_key, e.rule, e.fact_date, e.customer_id, e.instrument
     HAVING sum(e.amount) <> 0 ORDER BY 1`,
  );
}

describe('Match-Trader connector', () => {
  it('backfills the history through timeouts, 429s, 5xx and a duplicated record, losing and doubling nothing', async () => {
    const created = await viaConnector.call('POST', '/api/v1/connectors', {
      token: tokenC,
      body: { id: 'mt', name: 'Match-Trader live', kind: 'match_trader', interval_seconds: 60, config: connectorConfig(), secrets: { api_key: sim.apiKey } },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.text).not.toContain(sim.apiKey);

    // Ledgers: a 502 retried, a duplicated record, then a request that keeps failing beyond the
    // retries: the run fails after committing the accounts, the positions and one ledgers window.
    sim.faults.push(
      { kind: 'timeout', endpoint: 'tradingAccounts' },
      { kind: 'duplicate', endpoint: 'tradingAccounts' },
      { kind: 'status', status: 429, retryAfter: 1, endpoint: 'closedPositions' },
      { kind: 'duplicate', endpoint: 'closedPositions' },
      { kind: 'status', status: 502, endpoint: 'ledgers' },
      { kind: 'duplicate', endpoint: 'ledgers' },
      ...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 as const, endpoint: 'ledgers' as const })),
    );
    const first = await runOnce(viaConnector.server.ctx, 'mt');
    expect(first.status).toBe('failed');
    expect(first.error).toMatch(/HTTP 503, after 3 attempt/);
    expect(await count(viaConnector, 'deals')).toBe(sim.positions.length);
    const errors = (await viaConnector.call('GET', '/api/v1/connectors/mt/errors', { token: tokenC })).body.data;
    expect(errors[0]).toMatchObject({ payload: { method: 'POST', status: 503, body: expect.stringContaining('Injected fault'), attempts: 3 } });
    expect(JSON.stringify(errors)).not.toContain(sim.apiKey);

    await runUntilOk();
    expect(sim.requests.some((r) => r.status === 0)).toBe(true);
    expect(sim.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(await count(viaConnector, 'deals')).toBe(sim.positions.length);
    expect(await count(viaConnector, 'transactions')).toBe(sim.operations.length);
    expect(await count(viaConnector, 'customers')).toBe(new Set(sim.accounts.map((a) => a.accountUuid)).size);
    expect(await count(viaConnector, "trading_accounts WHERE platform = 'matchtrader'")).toBe(sim.accounts.length);
    expect(await count(viaConnector, 'connector_dead_letters')).toBe(0);

    const view = (await viaConnector.call('GET', '/api/v1/connectors/mt', { token: tokenC })).body.data;
    expect(view).toMatchObject({ kind: 'match_trader', status: 'active', has_secrets: true, records_rejected: 0, applied_through: expect.any(String) });
    expect(view.rows_per_minute).toBeGreaterThan(0);
  }, 120_000);

  it('syncs new positions incrementally and picks up a page that changed between two calls', async () => {
    const fresh = (id: string, login: string, closeTime: string): SimPosition => ({
      id,
      login,
      symbol: 'EURUSD',
      side: 'BUY',
      volume: 1.25,
      openTime: new Date(Date.parse(closeTime) - 600_000).toISOString(),
      closeTime,
      openPrice: 1.1,
      closePrice: 1.1012,
      commission: -3.5,
      swap: 0,
      profit: 15,
    });
    const login = sim.accounts[0].login;
    const justClosed = new Date(Date.now() - 1000).toISOString();
    sim.addPositions([fresh('7000001', login, justClosed)]);
    // While this run reads, a position closed 30 s ago appears in a window it has already read.
    let late: SimPosition | undefined;
    sim.onRequest = (endpoint) => {
      if (endpoint !== 'closedPositions') return;
      sim.onRequest = undefined;
      late = fresh('7000002', login, new Date(Date.now() - 30_000).toISOString());
      sim.addPositions([late]);
    };
    expect(await runOnce(viaConnector.server.ctx, 'mt')).toMatchObject({ status: 'ok' });
    const deal = async (id: string) => (await viaConnector.server.ctx.db.query('SELECT 1 FROM deals WHERE deal_id = $1', [`matchtrader-${sim.systemUuid}-${id}`])).length;
    expect(await deal('7000001')).toBe(1);
    const view = (await viaConnector.call('GET', '/api/v1/connectors/mt', { token: tokenC })).body.data;
    expect(view.applied_through >= justClosed).toBe(true);

    // The next run reads its overlap again and finds it; nothing is doubled.
    expect(await runOnce(viaConnector.server.ctx, 'mt')).toMatchObject({ status: 'ok' });
    expect(late).toBeDefined();
    expect(await deal('7000002')).toBe(1);
    expect(await count(viaConnector, 'deals')).toBe(sim.positions.length);
  }, 60_000);

  it('produces exactly the ledger that posting the same facts through the data API produces', async () => {
    await postThroughApi(sim.accounts, sim.positions, sim.operations);
    const [a, b] = [await ledgerOf(viaConnector, tokenC), await ledgerOf(viaApi, tokenA)];
    expect(a.length).toBeGreaterThan(100);
    expect(a.map((r) => r.line)).toEqual(b.map((r) => r.line));
  }, 180_000);

  it('shows lag, pauses and resumes, backfills from a date, and raises connector.lagging', async () => {
    const paused = await viaConnector.call('PATCH', '/api/v1/connectors/mt', { token: tokenC, body: { status: 'paused' } });
    expect(paused.body.data.status).toBe('paused');
    expect(await runOnce(viaConnector.server.ctx, 'mt', { scheduled: true })).toMatchObject({ status: 'skipped' });
    expect((await viaConnector.call('PATCH', '/api/v1/connectors/mt', { token: tokenC, body: { status: 'active', config: { ...connectorConfig(), lag_alert_seconds: 3600 } } })).status).toBe(200);

    const from = new Date(Date.parse(FROM) + 10 * DAY).toISOString().slice(0, 10);
    const back = await viaConnector.call('POST', '/api/v1/connectors/mt/backfill', { token: tokenC, body: { from } });
    expect(back.status, back.text).toBe(200);
    expect(back.body.data.applied_through).toBe(new Date(from).toISOString());
    expect(back.body.data.lag_seconds).toBeGreaterThan(3600);

    expect(await checkLag(viaConnector.server.ctx)).toEqual(['mt']);
    expect(await checkLag(viaConnector.server.ctx)).toEqual([]); // once until it catches up
    const events = (await viaConnector.call('GET', '/api/v1/events?type=connector.lagging', { token: tokenC })).body.data;
    expect(events).toEqual([expect.objectContaining({ subject_id: 'mt', data: expect.objectContaining({ connector_id: 'mt', threshold_seconds: 3600 }) })]);

    const metrics = await viaConnector.call('GET', '/metrics');
    expect(metrics.text).toMatch(/openib_connector_lag_seconds\{connector="mt",kind="match_trader"\} \d+/);
    expect(metrics.text).toMatch(/openib_connector_paused\{connector="mt",kind="match_trader"\} 0/);

    const before = await count(viaConnector, 'deals');
    await runUntilOk();
    expect(await count(viaConnector, 'deals')).toBe(before);
    expect((await viaConnector.call('GET', '/api/v1/connectors/mt', { token: tokenC })).body.data.lag_seconds).toBeLessThan(3600);
    await checkLag(viaConnector.server.ctx);
    expect((await viaConnector.server.ctx.db.query<{ a: string | null }>(`SELECT lag_alerted_at AS a FROM connectors WHERE id = 'mt'`))[0].a).toBeNull();
  }, 120_000);

  it('links a login to a customer the CRM already sent, without overwriting it', async () => {
    await brokerSteps(viaConnector, tokenC).customer('mtr-crm-first', 'MT-IB-2', { signup_date: new Date(now - 2 * DAY).toISOString() });
    sim.accounts.push({ login: '990001', accountUuid: 'crm-first', group: GROUPS[0], currency: 'USD', created: new Date().toISOString(), referralCode: 'MT-IB-1' });
    expect(await runOnce(viaConnector.server.ctx, 'mt')).toMatchObject({ status: 'ok', records_rejected: 0 });
    const [c] = await viaConnector.server.ctx.db.query<{ affiliate_id: string }>(`SELECT affiliate_id FROM customers WHERE customer_id = 'mtr-crm-first'`);
    expect(c.affiliate_id).toBe('MT-IB-2');
    expect(await count(viaConnector, "trading_accounts WHERE login = '990001' AND customer_id = 'mtr-crm-first'")).toBe(1);
  });

  it('refuses a configuration without the API key or groups, and a backfill of a connector that cannot', async () => {
    const res = await viaConnector.call('POST', '/api/v1/connectors', { token: tokenC, body: { id: 'mt-bad', name: 'x', kind: 'match_trader', config: { base_url: sim.url, system_uuid: 'x', groups: [] } } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['config.groups', 'secrets.api_key']));
    const rest = await viaConnector.call('POST', '/api/v1/connectors', {
      token: tokenC,
      body: { id: 'pages', name: 'pages', kind: 'rest', config: { url: `${sim.url}/x?page={page}`, pagination: { style: 'page' }, records_path: '', mapping: 'm', event: 'e' } },
    });
    expect(rest.status, rest.text).toBe(201);
    expect((await viaConnector.call('POST', '/api/v1/connectors/pages/backfill', { token: tokenC, body: { from: '2026-01-01' } })).status).toBe(422);
    expect((await viaConnector.call('POST', '/api/v1/connectors/nope/backfill', { token: tokenC, body: { from: '2026-01-01' } })).status).toBe(404);
  });
});
