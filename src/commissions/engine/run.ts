import type { Sql } from '../../db/index.ts';
import { appendEvents, type NewEvent } from '../../events/outbox.ts';
import { trackingData, trackingOf } from '../../partners/attribution/store.ts';
import { kycState } from '../../ingest/kyc.ts';
import { startOfBusinessDay } from '../../shared/dates.ts';
import { Dec } from '../../shared/decimal.ts';
import { findRule } from '../plan-schema.ts';
import { type ActivityContext, activityEntries, eligibleLots } from './activity-rules.ts';
import { eligibility } from '../maths/exclusions.ts';
import { approvedEventsOf } from '../../ledger/events.ts';
import { applyDesired } from './apply.ts';
import { capEntries } from './caps.ts';
import { cpaEntries, loadCpaCustomers, loadOwnership } from './cpa.ts';
import { type CustomerCell, cellJoin, cellParams, type DesiredEntry, type DiffScope, mergeCells } from './desired.ts';
import { loadActivityFacts, loadChains, loadDeals } from './facts.ts';
import { toPayoutCurrency } from './payout-currency.ts';
import { bonusOwners, lastDayOf, loadPartnerMonthlyRevenue, nextPeriod, periodOf, revenueShareEntries, tierEntries } from './periods.ts';
import { type PlanInForce, PlansAt } from './plans-at.ts';
import { applyPolicies, PoliciesAt, policyPeriodCaps } from './policies.ts';
import { applyRiskCases, excludeDeals, loadRiskOverlay } from '../../risk/overlay.ts';

export interface EngineSettings {
  brokerTimeZone: string;
  kycApproved: string[];
  kycRejected: string[];
}

export interface RunRequest {
  from: string;
  to: string;
  trigger: string;
  /**
   * An incremental run: recompute only the facts in these cells (a customer's business dates), the
   * customers' CPA, and the month-level pay (tiers, revenue share) of the partners and months they
   * touch. `from` and `to` should then span the cells. Without it, a run recomputes whole months for
   * everyone.
   */
  cells?: CustomerCell[];
  /** Replace these partners' plans by this one (plan simulation); nothing is written then. */
  simulate?: { partnerIds?: string[]; plan: PlanInForce };
  /** Compute without writing anything (a policy simulation, inside a transaction rolled back after). */
  dryRun?: boolean;
  now?: string;
}

export interface RunSummary {
  run_id: number | null;
  from: string;
  to: string;
  /** Customers an incremental run recomputed (absent for a whole-month run). */
  customers?: number;
  /** Cells an incremental run recomputed (absent for a whole-month run). */
  cells?: number;
  facts: number;
  entries_written: number;
  held_released: number;
  reversed: number;
  desired: DesiredEntry[];
}

/** Appends without spreading: a whole month of a large broker is more entries than one call takes as arguments. */
function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** The advisory lock every engine run holds: runs never overlap. */
export const ENGINE_LOCK = 727_202;
// CPA windows are at most a year in practice; customers who signed up earlier cannot still qualify.
const CPA_LOOKBACK_DAYS = 366;

/** The last instant of a business month in the broker's time zone. */
const monthEnd = (period: string, timeZone: string) => {
  const next = new Date(Date.parse(`${lastDayOf(period)}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return new Date(Date.parse(startOfBusinessDay(next, timeZone)) - 1).toISOString();
};

/**
 * Recomputes commissions from current facts and appends the difference to the ledger (nothing when
 * the ledger already agrees). Without `cells`, every fact of the whole months covering
 * [from, to]; with them, an incremental run (see RunRequest.cells) that must always agree with
 * the whole-month run. Runs one at a time.
 */
export async function computeCommissions(tx: Sql, settings: EngineSettings, req: RunRequest): Promise<RunSummary> {
  const monthFrom = `${periodOf(req.from)}-01`;
  const monthTo = lastDayOf(periodOf(req.to));
  // Caps sum everything a partner earns in a day or month: an incremental run would need the
  // others' amounts, so while any plan sets caps, runs stay whole-month.
  // Jurisdiction period caps likewise.
  const policies = await PoliciesAt.load(tx);
  const scoped = req.cells !== undefined && !req.simulate && !req.dryRun && !policies.periodCapped && !(await anyPlanWithCaps(tx));
  const cells = scoped ? mergeCells(req.cells ?? []) : undefined;
  const customers = cells ? [...new Set(cells.map((c) => c.customer_id))] : undefined;
  const from = cells ? cells.reduce((m, c) => (c.from < m ? c.from : m), req.from) : monthFrom;
  const to = cells ? cells.reduce((m, c) => (c.to > m ? c.to : m), req.to) : monthTo;
  const now = req.now ?? new Date().toISOString();
  const write = !req.simulate && !req.dryRun;
  await tx.query('SELECT pg_advisory_xact_lock($1)', [ENGINE_LOCK]);
  const runId = write
    ? (await tx.query<{ id: number }>('INSERT INTO commission_runs (trigger, date_from, date_to) VALUES ($1, $2, $3) RETURNING id', [req.trigger, from, to]))[0].id
    : null;

  const facts = await loadActivityFacts(tx, from, to, settings.brokerTimeZone, cells);
  const chains = await loadChains(tx, facts.filter((f) => f.owner_id).map((f) => ({ partner_id: f.owner_id as string, at: f.eod })));
  const cpaCustomers = await loadCpaCustomers(tx, monthFrom, monthTo, CPA_LOOKBACK_DAYS, customers);
  const customerIds = customers ?? [...new Set([...facts.map((f) => f.customer_id), ...cpaCustomers.map((c) => c.customer_id)])];
  const ownerAt = await loadOwnership(tx, customerIds);
  const partnerIds = new Set<string>();
  for (const chain of chains.values()) for (const p of chain) partnerIds.add(p);
  for (const c of customerIds) {
    const o = ownerAt(c, now);
    if (o) partnerIds.add(o.partner_id);
  }
  // Every partner that ever owned one of these customers: a reassignment can credit any of them.
  const everOwners = await tx.query<{ customer_id: string; partner_id: string }>('SELECT DISTINCT customer_id, partner_id FROM attributions WHERE customer_id = ANY($1::text[])', [customerIds]);
  for (const r of everOwners) partnerIds.add(r.partner_id);
  const bonusMonths = scoped ? [] : await bonusOwners(tx, from, to, settings.brokerTimeZone);
  for (const b of bonusMonths) partnerIds.add(b.partner_id);
  let plans = await PlansAt.load(tx, [...partnerIds]);
  if (req.simulate) plans = plans.withOverride(req.simulate.partnerIds, req.simulate.plan);
  const deals = await loadDeals(tx, from, to, cells);
  // Risk cases are an input like the facts: confirmed ones take lots out, open ones hold pay.
  const risk = await loadRiskOverlay(tx, customerIds);
  excludeDeals(risk, facts, deals);
  const kycOf = (id: string | null) => kycState(id, settings);

  const ctx: ActivityContext = {
    plans,
    chainOf: (owner, eod) => chains.get(`${owner}|${eod}`) ?? [owner],
    kycOf,
    dealsOf: (f) => deals.get(`${f.date}|${f.customer_id}|${f.instrument}|${f.currency}`),
    policiesOf: (f) => policies.for(f.country_code, f.date),
  };
  const desired: DesiredEntry[] = [];
  // Lots toward the owner's tier, per customer and day: what per-lot pay would count (not
  // self-trading, excluded instruments or rejected KYC, and with deal-level data only the lots the
  // hold-time and hedging rules keep).
  const tierRows = new Map<string, { customer_id: string; date: string; partner_id: string; lots: Dec }>();
  for (const fact of facts) {
    desired.push(...activityEntries(fact, ctx));
    const own = fact.owner_id ? plans.at(fact.owner_id, fact.date) : undefined;
    const kyc = kycOf(fact.kyc_status_id);
    const verdict = own ? eligibility({ plan: own.plan, symbol: fact.instrument, self_trading: fact.self_referral !== null, kyc, account_type: fact.trading_account_type }) : undefined;
    if (own && findRule(own.plan, 'tiered_per_lot') && verdict?.status !== 'excluded' && kyc !== 'rejected') {
      const key = `${fact.customer_id}|${fact.date}`;
      const row = tierRows.get(key) ?? { customer_id: fact.customer_id, date: fact.date, partner_id: fact.owner_id as string, lots: new Dec(0) };
      row.lots = row.lots.plus(eligibleLots(fact, ctx.dealsOf(fact), own.plan).lots);
      tierRows.set(key, row);
    }
  }
  const closed = new Set((await tx.query<{ period: string }>('SELECT period FROM commission_periods')).map((r) => r.period));
  // The tier state is what later incremental runs read of the customers they do not recompute.
  const tierLots = new Map<string, Map<string, string>>();
  // An incremental run's tier months: each partner's months its old or new tier lots fall in.
  let tierMonths: string[] | undefined;
  if (write) {
    const previous = await replaceTierLots(tx, [...tierRows.values()], from, to, cells);
    if (cells) {
      tierMonths = [...new Set([...previous, ...tierRows.values()].map((r) => `${r.partner_id}|${periodOf(r.date)}`))];
      for (const r of await partnerDayLots(tx, tierMonths)) {
        const days = tierLots.get(r.partner_id) ?? new Map<string, string>();
        days.set(r.date, new Dec(r.lots).toFixed());
        tierLots.set(r.partner_id, days);
      }
    }
  }
  if (!cells) {
    for (const r of tierRows.values()) {
      const days = tierLots.get(r.partner_id) ?? new Map<string, string>();
      days.set(r.date, new Dec(days.get(r.date) ?? 0).plus(r.lots).toFixed());
      tierLots.set(r.partner_id, days);
    }
  }
  append(desired, tierEntries(tierLots, plans, closed));
  // Revenue share is netted over all of a partner's customers: the partners who owned these facts'
  // customers at the end of a closed month, with a revenue-share plan then, are recomputed whole.
  const revenuePartners = new Set<string>();
  const withRevenueShare = (partnerId: string | undefined, period: string) => {
    const plan = partnerId ? plans.at(partnerId, lastDayOf(period)) : undefined;
    if (partnerId && plan && findRule(plan.plan, 'revenue_share')) revenuePartners.add(partnerId);
  };
  // An incremental run's revenue-share months: each closed month of a cell, for every partner
  // that ever owned the cell's customer (any of them may have owned it at the month's end).
  const revenueMonths = new Set<string>();
  if (cells) {
    const ownersOf = new Map<string, string[]>();
    for (const r of everOwners) ownersOf.set(r.customer_id, [...(ownersOf.get(r.customer_id) ?? []), r.partner_id]);
    for (const c of cells)
      for (let period = periodOf(c.from); period <= periodOf(c.to); period = nextPeriod(period))
        if (closed.has(period))
          for (const partnerId of ownersOf.get(c.customer_id) ?? []) {
            withRevenueShare(partnerId, period);
            if (revenuePartners.has(partnerId)) revenueMonths.add(`${partnerId}|${period}`);
          }
  } else {
    for (const f of facts) {
      const period = periodOf(f.date);
      if (closed.has(period)) withRevenueShare(ownerAt(f.customer_id, monthEnd(period, settings.brokerTimeZone))?.partner_id, period);
    }
    // A month whose only facts are bonuses still has its owners' revenue share recomputed.
    for (const b of bonusMonths) if (closed.has(b.period)) withRevenueShare(b.partner_id, b.period);
  }
  const revenue = await loadPartnerMonthlyRevenue(tx, [...revenuePartners], monthTo, settings, settings.brokerTimeZone);
  append(
    desired,
    revenueShareEntries(revenue, { plans, closed }).filter((e) => (cells ? revenueMonths.has(`${e.partner_id}|${periodOf(e.fact_date)}`) : e.fact_date >= monthFrom && e.fact_date <= monthTo)),
  );
  append(desired, await cpaEntries(cpaCustomers, { plans, ownerAt, kycOf, timeZone: settings.brokerTimeZone, now }));
  // Jurisdiction policies cut what the plans pay per client, then their period caps and the plans' caps apply to the rest.
  const countries = new Map<string, string | null>([...facts.map((f): [string, string | null] => [f.customer_id, f.country_code]), ...cpaCustomers.map((c): [string, string | null] => [c.customer_id, c.country_code])]);
  const policyCtx = { policies, countryOf: (id: string) => countries.get(id), dealsOf: ctx.dealsOf };
  const policed = applyPolicies(desired, facts, policyCtx);
  if (policed !== desired) {
    desired.length = 0;
    append(desired, policed);
  }
  if (!scoped) append(desired, policyPeriodCaps(desired.filter((e) => e.fact_date >= from && e.fact_date <= to), policyCtx));
  applyRiskCases(risk, desired);
  if (!scoped) append(desired, capEntries(desired.filter((e) => e.fact_date >= from && e.fact_date <= to), plans));

  const currencies = new Map(
    (await tx.query<{ partner_id: string; payout_currency: string }>('SELECT partner_id, payout_currency FROM partners WHERE partner_id = ANY($1::text[])', [[...new Set(desired.map((d) => d.partner_id))]])).map((r) => [
      r.partner_id,
      r.payout_currency,
    ]),
  );
  const converted = await toPayoutCurrency(tx, desired, currencies);
  if (!write) return { run_id: null, from, to, facts: facts.length, entries_written: 0, held_released: 0, reversed: 0, desired: converted };

  const scopes: DiffScope[] = cells
    ? [
        { source_type: 'activity', from, to, cells },
        { source_type: 'partner_day', from: monthFrom, to: monthTo, partnerMonths: tierMonths ?? [], rules: ['tiered_per_lot'] },
        { source_type: 'partner_period', from: monthFrom, to: monthTo, partnerMonths: tierMonths ?? [], rules: ['tier_adjustment'] },
        { source_type: 'partner_period', from: monthFrom, to: monthTo, partnerMonths: [...revenueMonths], rules: ['revenue_share'] },
        { source_type: 'customer', keys: cpaCustomers.map((c) => c.customer_id) },
      ]
    : [
        { source_type: 'activity', from, to },
        { source_type: 'partner_day', from, to },
        { source_type: 'partner_period', from, to },
        { source_type: 'customer_period', from, to },
        { source_type: 'customer', keys: cpaCustomers.map((c) => c.customer_id) },
      ];
  const applied = await applyDesired(tx, converted, scopes, runId as number);
  const cpa = applied.inserted.filter((i) => i.entry.kind === 'cpa');
  const tracking = await trackingOf(tx, cpa.flatMap((i) => (i.entry.customer_id ? [{ customerId: i.entry.customer_id, partnerId: i.entry.partner_id }] : [])));
  const events: NewEvent[] = cpa.map((i) => ({
    type: 'cpa.qualified',
    subjectType: 'customer',
    subjectId: i.entry.customer_id ?? '',
    data: {
      partner_id: i.entry.partner_id, customer_id: i.entry.customer_id, amount: i.entry.amount, currency: i.entry.currency, fact_date: i.entry.fact_date,
      ...trackingData(tracking.get(`${i.entry.customer_id}|${i.entry.partner_id}`)),
    },
  }));
  if (applied.inserted.length) {
    const partners = [...new Set(applied.inserted.map((i) => i.entry.partner_id))];
    events.push({ type: 'commissions.updated', subjectType: 'commission_run', subjectId: String(runId), data: { run_id: runId, entries: applied.inserted.length, partner_ids: partners } });
  }
  // Entries written approved (no hold) are payable now; released holds announce themselves in the ledger's transition.
  events.push(...approvedEventsOf(applied.inserted.filter((i) => i.entry.status === 'approved').map((i) => i.entry), { run_id: runId }, (key) => deals.get(key) ?? []));
  await appendEvents(tx, events);
  await tx.query('UPDATE commission_runs SET finished_at = clock_timestamp(), facts = $2, entries = $3 WHERE id = $1', [runId, facts.length, applied.inserted.length]);
  return { run_id: runId, from, to, ...(cells && customers ? { customers: customers.length, cells: cells.length } : {}), facts: facts.length, entries_written: applied.inserted.length, held_released: applied.approved, reversed: applied.reversed, desired: converted };
}


async function anyPlanWithCaps(tx: Sql): Promise<boolean> {
  const [r] = await tx.query<{ caps: boolean }>(`SELECT EXISTS (SELECT 1 FROM plan_versions WHERE definition ? 'caps') AS caps`);
  return r.caps;
}

/**
 * Replaces the tier state of [from, to] (only in these cells, when given) by the rows computed now;
 * returns the replaced rows' partners and dates, whose tiers must be recomputed too.
 */
async function replaceTierLots(tx: Sql, rows: { customer_id: string; date: string; partner_id: string; lots: Dec }[], from: string, to: string, cells?: CustomerCell[]) {
  const params: unknown[] = [from, to];
  const join = cells ? `AND (t.customer_id, t.date) IN (SELECT t2.customer_id, t2.date FROM commission_tier_lots t2 ${cellJoin('t2', 'date', params.push(...cellParams(cells)) - 2)})` : '';
  const gone = await tx.query<{ partner_id: string; date: string }>(
    `WITH d AS (DELETE FROM commission_tier_lots t WHERE t.date BETWEEN $1::date AND $2::date ${join} RETURNING t.partner_id, t.date)
     SELECT DISTINCT partner_id, date::text AS date FROM d`,
    params,
  );
  if (rows.length)
    await tx.query(
      `INSERT INTO commission_tier_lots (customer_id, date, partner_id, lots) SELECT * FROM unnest($1::text[], $2::date[], $3::text[], $4::numeric[])`,
      [rows.map((r) => r.customer_id), rows.map((r) => r.date), rows.map((r) => r.partner_id), rows.map((r) => r.lots.toFixed())],
    );
  return gone;
}

/** The tier lots per day of these partners' months (`partner_id|YYYY-MM`), from the tier state. */
function partnerDayLots(tx: Sql, partnerMonths: string[]) {
  if (!partnerMonths.length) return Promise.resolve([]);
  return tx.query<{ partner_id: string; date: string; lots: string }>(
    `SELECT t.partner_id, t.date::text AS date, sum(t.lots)::text AS lots
     FROM unnest($1::text[], $2::date[]) AS m(partner_id, month)
     JOIN commission_tier_lots t ON t.partner_id = m.partner_id AND t.date >= m.month AND t.date < m.month + interval '1 month'
     GROUP BY t.partner_id, t.date`,
    [partnerMonths.map((k) => k.slice(0, k.lastIndexOf('|'))), partnerMonths.map((k) => `${k.slice(k.lastIndexOf('|') + 1)}-01`)],
  );
}
