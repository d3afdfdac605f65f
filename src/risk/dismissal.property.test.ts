/**
 * A dismissed case restores exactly the ledger a run without the rule gives: the same random
 * trades are sent twice, once under a programme whose risk rules are all off and once under the
 * default rules; the second world is scanned (cases open, pay is held), every case is dismissed,
 * and the two ledgers must then agree entry by entry in amount and status.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let b: ReturnType<typeof brokerSteps>;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  b = brokerSteps(t, await t.token(['admin']));
  const plan = (id: string) => ({
    plan_id: id, name: id, currency: 'USD',
    rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '7.5' }, { symbol: 'XAUUSD', rate: '12' }] }],
    hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1.25' }] },
  });
  await b.plan(plan('ruled-off'));
  await b.plan(plan('ruled-on'));
  const off = { enabled: false };
  await b.ok('POST', '/api/v1/risk/rules', {
    programme: 'ruled-off',
    definition: { hedging: off, short_trades: off, linked_accounts: { enabled: false }, cpa_deposit_run: off, signup_burst: off, bot_clicks: off, payout_details_change: off },
  });
});
afterAll(() => t.stop());

const trade = fc.record({
  customer: fc.integer({ min: 0, max: 2 }),
  symbol: fc.constantFrom('EURUSD', 'XAUUSD'),
  side: fc.constantFrom('buy', 'sell'),
  lots: fc.integer({ min: 1, max: 500 }).map((n) => (n / 100).toFixed(2)),
  day: fc.integer({ min: 1, max: 28 }),
  openSecond: fc.integer({ min: 0, max: 900 }),
  holdSeconds: fc.integer({ min: 5, max: 7200 }),
  // The opposite deal of a hedge, by another (or the same) customer, opened a little later.
  mirror: fc.option(fc.record({ customer: fc.integer({ min: 0, max: 2 }), delaySeconds: fc.integer({ min: 0, max: 300 }) }), { freq: 2 }),
});

type Trade = typeof trade extends fc.Arbitrary<infer T> ? T : never;

let world = 0;
let casesSeen = 0;

async function send(prefix: string, plan: string, trades: Trade[]) {
  const master = await b.partner(`${prefix}-M`);
  const sub = await b.partner(`${prefix}-S`, { parent_id: master });
  await b.assign(master, plan);
  await b.assign(sub, plan);
  for (let k = 0; k < 3; k++) await b.customer(`${prefix}-c${k}`, k === 0 ? `${prefix}-M` : `${prefix}-S`, { signup_date: '2026-09-01T10:00:00Z' });
  const deals = trades.flatMap((x, i) => {
    const open = Date.UTC(2026, 9, x.day, 9, 0, 0) + x.openSecond * 1000;
    const deal = {
      deal_id: `${prefix}-d${i}`, customer_id: `${prefix}-c${x.customer}`, symbol: x.symbol, side: x.side, lots: x.lots, currency: 'USD',
      open_time: new Date(open).toISOString(), close_time: new Date(open + x.holdSeconds * 1000).toISOString(),
    };
    if (!x.mirror) return [deal];
    const mirrorOpen = open + x.mirror.delaySeconds * 1000;
    return [deal, {
      ...deal, deal_id: `${prefix}-m${i}`, customer_id: `${prefix}-c${x.mirror.customer}`, side: x.side === 'buy' ? 'sell' : 'buy',
      open_time: new Date(mirrorOpen).toISOString(), close_time: new Date(mirrorOpen + x.holdSeconds * 1000).toISOString(),
    }];
  });
  if (deals.length) await b.ok('POST', '/api/v1/forex/deals', deals);
  return [master, sub];
}

/** Every entry of these partners as (identity with the world's prefix taken out, amount, status). */
async function ledgerOf(prefix: string, partners: string[]) {
  const rows: string[] = [];
  for (const [i, p] of partners.entries())
    for (const e of await b.ledger(`partner_id=${p}`)) rows.push([String(e.source_key).replaceAll(prefix, 'W'), e.rule, e.level, i, e.kind, e.amount, e.status].join(' '));
  return rows.sort();
}

describe('dismissing a risk case', () => {
  it('leaves the ledger exactly as a run without the rule', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(trade, { minLength: 2, maxLength: 12 }), async (trades) => {
        world++;
        const plain = `off${world}`;
        const ruled = `on${world}`;
        const plainPartners = await send(plain, 'ruled-off', trades);
        const ruledPartners = await send(ruled, 'ruled-on', trades);
        const { opened } = await b.ok('POST', '/api/v1/risk/scan', { as_of: '2026-10-31' });
        expect(opened.filter((c: { subject_id: string }) => c.subject_id.startsWith(plain))).toEqual([]);
        await b.run('2026-10-01', '2026-10-31');
        const open = (await b.ok('GET', '/api/v1/risk/cases?status=open')).data as { case_id: string; subject_id: string }[];
        for (const c of open.filter((x) => x.subject_id.startsWith(`${ruled}-`))) {
          casesSeen++;
          const res = await t.call('POST', `/api/v1/risk/cases/${c.case_id}/decision`, { token: await t.token(['payouts:write']), body: { decision: 'dismissed' } });
          expect(res.status).toBe(200);
        }
        await b.run('2026-10-01', '2026-10-31');
        const expected = (await ledgerOf(plain, plainPartners));
        const actual = (await ledgerOf(ruled, ruledPartners));
        expect(actual).toEqual(expected);
      }),
      { seed: 20261203, numRuns: Number(process.env.OPENIB_PROPERTY_RUNS ?? 8), endOnFailure: true },
    );
    // The property is only worth something if cases did open and were dismissed.
    expect(casesSeen).toBeGreaterThan(0);
  }, 600_000);
});
