/**
 * A small broker for the commission engine's consistency tests: four partners in a tree, five
 * customers, one plan with every rule type, and random steps (activity, deals, deposits,
 * chargebacks, KYC and country changes, reassignments, tree moves, plan versions, jurisdiction
 * policy versions, fx rates, period closes).
 */
import fc from 'fast-check';
import { computeCommissions } from '../../src/commissions/engine/run.ts';
import { commissionTask } from '../../src/commissions/engine/task.ts';
import { addPolicyVersion, createPolicy, listPolicyVersions } from '../../src/commissions/jurisdiction/policy-store.ts';
import { addPlanVersion, assignPlan, createPlan } from '../../src/commissions/plan-store.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/index.ts';
import { appendEvents } from '../../src/events/outbox.ts';
import { upsertFxRates } from '../../src/fx/rates.ts';
import { upsertActivity } from '../../src/ingest/activity.ts';
import { upsertCustomers } from '../../src/ingest/customers.ts';
import { upsertDeals } from '../../src/ingest/deals.ts';
import { upsertTransactions } from '../../src/ingest/transactions.ts';
import { policyFrom } from '../../src/partners/attribution/policy.ts';
import { reassignCustomer } from '../../src/partners/attribution/reassign.ts';
import { createPartner } from '../../src/partners/partners.ts';
import { moveSubtree } from '../../src/partners/tree.ts';

export const TODAY = '2026-03-20';
export const NOW = `${TODAY}T12:00:00.000Z`;
export const config = loadConfig({ OPENIB_DEMO: '0' });

const plan = (rate: string, tierRate: string) => ({
  plan_id: 'every',
  name: 'Every rule',
  currency: 'USD',
  rules: [
    { type: 'per_lot', rates: [{ symbol: 'EURUSD', rate }, { symbol: 'XAUUSD', rate: '8' }] },
    { type: 'per_notional', per_usd: '100000', rate: '1' },
    { type: 'spread_share', percent: '10' },
    { type: 'revenue_share', percent: '5', negative_carryover: true },
    { type: 'cpa', amount: '200', min_first_deposit: '100', ftd_window_hours: 24, min_lots: '1', qualify_within_days: 90, require_kyc: false },
    { type: 'tiered_per_lot', period: 'month', mode: 'retroactive', tiers: [{ from_lots: '0', rate: '0.5' }, { from_lots: '5', rate: tierRate }] },
  ],
  exclusions: { min_hold_seconds: 60 },
  hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1' }, { level: 2, percent_of_child: '10' }] },
  client_rebate: { allowed: true, per_lot: '0.5' },
});

/** Jurisdiction policy versions the steps choose from; all but the last keep runs incremental. */
const policyVariant = (id: string, countries: string[], variant: number) =>
  [
    { client_rebates: 'off', currency: 'USD', per_lot_caps: [{ symbols: ['EURUSD'], pips: '0.5', pip_value: '10' }, { symbols: ['XAU*'], amount: '7' }] },
    { currency: 'USD', per_trade_cap: '2', client_rebates: 'off' },
    { disallowed_rules: ['cpa', 'spread_share'] },
    { acquisition: { allowed: false, except_partners: ['IA'] } },
    { client_rebates: 'off', retired: true },
    { currency: 'USD', period_caps: { per_day: '9.5', per_week: '30', per_month: '55.55' } },
  ].map((rules) => ({ policy_id: id, name: `Policy ${id}`, regulator: 'ASIC', countries, ...rules }))[variant];

const PARTNERS = ['IA', 'IB', 'IC', 'ID'];
const COUNTRIES = ['AU', 'AU', 'GB', 'DE', 'US'];
const CUSTOMERS = ['k0', 'k1', 'k2', 'k3', 'k4'];
const day = fc.integer({ min: 0, max: 49 }).map((n) => new Date(Date.UTC(2026, 0, 30) + n * 86_400_000).toISOString().slice(0, 10));
const customer = fc.constantFrom(...CUSTOMERS);
const lots = fc.integer({ min: 1, max: 400 }).map((n) => (n / 100).toFixed(2));

export const step = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('activity' as const), customer, day, instrument: fc.constantFrom('EURUSD', 'XAUUSD', 'GBPUSD'), currency: fc.constantFrom('USD', 'EUR'), lots }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deal' as const), customer, day, lots, side: fc.constantFrom('buy' as const, 'sell' as const), held: fc.integer({ min: 5, max: 600 }), n: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('deposit' as const), customer, day, amount: fc.constantFrom('50', '150', '1000') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('chargeback' as const), customer, day }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kyc' as const), customer, status: fc.constantFrom('approved', 'pending', 'rejected') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reassign' as const), customer, partner: fc.constantFrom(...PARTNERS), day }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('move' as const), partner: fc.constantFrom('IC', 'ID'), parent: fc.constantFrom('IA', 'IB', null), day }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('plan' as const), day, rate: fc.constantFrom('4', '6', '7.5'), tier: fc.constantFrom('1', '1.25') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fx' as const), day, rate: fc.constantFrom('1.08', '1.1234') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('policy' as const), day, policy: fc.constantFrom('p-au', 'p-gb'), variant: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.constant(5) }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('country' as const), customer, country: fc.constantFrom('AU', 'GB', 'US', 'DE') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), period: fc.constant('2026-02') }) },
);
export type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** Creates the plan, the partners and the customers; returns partner ids by name. */
export async function setup(db: Database): Promise<Map<string, string>> {
  await db.transaction(async (tx) => {
    await createPlan(tx, plan('6', '1'), '2020-01-01');
    let parent: string | undefined;
    for (const [i, name] of PARTNERS.entries()) {
      // IA ← IB ← IC, and ID under IA: a tree with a chain of three and a sibling.
      const p = await createPartner(tx, { name, affiliateId: name, parentId: i === 3 ? undefined : parent, maxLevels: 10, payoutCurrency: i === 3 ? 'EUR' : 'USD' });
      if (i < 3) parent = p.partner_id;
      await assignPlan(tx, { partnerId: p.partner_id, planId: 'every', effectiveFrom: '2020-01-01' });
    }
    await upsertFxRates(tx, [{ date: '2026-01-01', base: 'EUR', quote: 'USD', rate: '1.1' }]);
    await createPolicy(tx, policyVariant('p-au', ['AU'], 0), '2020-01-01');
    await upsertCustomers(
      tx,
      CUSTOMERS.map((c, i) => ({ customer_id: c, signup_date: `2026-02-0${i + 1}T10:00:00.000Z`, affiliate_id: PARTNERS[i % 3 === 0 ? 2 : i % PARTNERS.length], kyc_status_id: 'approved', country_code: COUNTRIES[i] })),
      config,
    );
  });
  return new Map((await db.query<{ partner_id: string; affiliate_id: string }>('SELECT partner_id, affiliate_id FROM partners')).map((p) => [p.affiliate_id, p.partner_id]));
}

/** Applies one step in its own transaction (a step the domain refuses throws a 4xx AppError). */
export async function apply(db: Database, s: Step, ids: Map<string, string>) {
  const at = (d: string, time = '12:00:00') => `${d}T${time}.000Z`;
  await db.transaction(async (tx) => {
    switch (s.kind) {
      case 'activity':
        return upsertActivity(tx, [{ date: s.day, customer_id: s.customer, instrument: s.instrument, currency: s.currency, lots_traded: s.lots, volume_usd: (Number(s.lots) * 100_000).toFixed(0), spread_cost: (Number(s.lots) * 7).toFixed(2), commission: '0', pnl: (-Number(s.lots) * 3).toFixed(2) }]);
      case 'deal': {
        const open = Date.parse(at(s.day, '10:00:00'));
        return upsertDeals(tx, [{ deal_id: `d-${s.customer}-${s.day}-${s.n}`, customer_id: s.customer, symbol: 'EURUSD', currency: 'USD', side: s.side, lots: s.lots, open_time: new Date(open).toISOString(), close_time: new Date(open + s.held * 1000).toISOString() }], config.brokerTimeZone);
      }
      case 'deposit':
        return upsertTransactions(tx, [{ transaction_id: `dep-${s.customer}-${s.day}`, customer_id: s.customer, transaction_type: 'deposit', amount: s.amount, currency: 'USD', transaction_date: at(s.day), status: 'approved' }]);
      case 'chargeback':
        return upsertTransactions(tx, [{ transaction_id: `cb-${s.customer}-${s.day}`, customer_id: s.customer, transaction_type: 'chargeback', amount: '-100', currency: 'USD', transaction_date: at(s.day), status: 'approved' }]);
      case 'kyc': {
        const i = CUSTOMERS.indexOf(s.customer);
        const [stored] = await tx.query<{ affiliate_id: string }>('SELECT affiliate_id FROM customers WHERE customer_id = $1', [s.customer]);
        return upsertCustomers(tx, [{ customer_id: s.customer, signup_date: `2026-02-0${i + 1}T10:00:00.000Z`, affiliate_id: stored.affiliate_id, kyc_status_id: s.status }], config);
      }
      case 'reassign':
        return reassignCustomer(tx, { customerId: s.customer, partnerId: ids.get(s.partner) as string, effectiveFrom: at(s.day, '00:00:00'), reason: 'property test', force: true, by: 'test', policy: policyFrom(config) });
      case 'move': {
        const partnerId = ids.get(s.partner) as string;
        const moved = await moveSubtree(tx, { partnerId, parentId: s.parent ? (ids.get(s.parent) as string) : null, effectiveFrom: at(s.day, '00:00:00'), maxLevels: 10 });
        // As POST /partners/{id}/move does: the engine learns of the move from its event.
        if (moved.moved)
          await appendEvents(tx, [
            {
              type: 'partner.moved',
              subjectType: 'partner',
              subjectId: partnerId,
              data: { partner_id: partnerId, from_parent_id: moved.from_parent_id, to_parent_id: moved.to_parent_id, effective_from: moved.effective_from },
            },
          ]);
        return moved;
      }
      case 'plan':
        return addPlanVersion(tx, 'every', plan(s.rate, s.tier), s.day);
      case 'policy': {
        const definition = policyVariant(s.policy, s.policy === 'p-au' ? ['AU'] : ['GB', 'US'], s.variant);
        // Acquisition exceptions name partners by id.
        if (definition.acquisition) definition.acquisition = { allowed: false, except_partners: [ids.get('IA') as string] };
        if ((await listPolicyVersions(tx, s.policy)).length) return addPolicyVersion(tx, s.policy, definition, s.day);
        return createPolicy(tx, definition, s.day);
      }
      case 'country': {
        const i = CUSTOMERS.indexOf(s.customer);
        const [stored] = await tx.query<{ affiliate_id: string; kyc_status_id: string }>('SELECT affiliate_id, kyc_status_id FROM customers WHERE customer_id = $1', [s.customer]);
        return upsertCustomers(tx, [{ customer_id: s.customer, signup_date: `2026-02-0${i + 1}T10:00:00.000Z`, affiliate_id: stored.affiliate_id, kyc_status_id: stored.kyc_status_id, country_code: s.country }], config);
      }
      case 'fx':
        return upsertFxRates(tx, [{ date: s.day, base: 'EUR', quote: 'USD', rate: s.rate }]);
      case 'close':
        await tx.query('INSERT INTO commission_periods (period) VALUES ($1) ON CONFLICT DO NOTHING', [s.period]);
        return computeCommissions(tx, config, { from: `${s.period}-01`, to: `${s.period}-01`, trigger: 'close', now: NOW });
    }
  });
}

/** Runs the background task until it has read every event there is (bounded: it must get there). */
export async function drain(task: ReturnType<typeof commissionTask>, ctx: Parameters<ReturnType<typeof commissionTask>['run']>[0]) {
  for (let round = 0; round < 1000; round++) {
    if (await task.run(ctx)) continue;
    const [{ behind }] = await ctx.db.query<{ behind: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM events e, commission_event_position p WHERE (e.txid, e.id) > (p.last_txid, p.last_event_id))
              OR EXISTS (SELECT 1 FROM commission_dirty_cells) AS behind`,
    );
    if (!behind) return;
  }
  throw new Error('the commission task did not catch up with the outbox');
}

class Rollback extends Error {}

/** What a whole recomputation of every month would still write: nothing when the ledgers agree. */
export async function fullRecomputationDelta(db: Database, now = NOW, today = TODAY) {
  let delta: { entries: number; reversed: number; released: number; sample: unknown[] } | undefined;
  await db
    .transaction(async (tx) => {
      const before = (await tx.query<{ max: number | null }>('SELECT max(id) AS max FROM ledger_entries'))[0].max ?? 0;
      const s = await computeCommissions(tx, config, { from: '2026-01-01', to: today, trigger: 'check', now });
      const sample = await tx.query('SELECT partner_id, kind, rule, source_key, amount, currency FROM ledger_entries WHERE id > $1 ORDER BY id LIMIT 5', [before]);
      delta = { entries: s.entries_written, reversed: s.reversed, released: s.held_released, sample };
      throw new Rollback();
    })
    .catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return delta;
}

