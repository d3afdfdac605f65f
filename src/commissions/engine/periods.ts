import type { Sql } from '../../db/index.ts';
import { Dec } from '../../shared/decimal.ts';
import { revenueSharePeriod, netRevenue } from '../maths/revenue-share.ts';
import { tieredProvisional, tieredSettlement } from '../maths/tiered.ts';
import { accountTypeListed, exclusionsOf } from '../maths/exclusions.ts';
import { findRule } from '../plan-schema.ts';
import { symbolListed } from '../symbols.ts';
import type { DesiredEntry } from './desired.ts';
import type { PlansAt } from './plans-at.ts';

export const periodOf = (date: string) => date.slice(0, 7);
/** The month after `period` (YYYY-MM). */
export function nextPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

export function lastDayOf(period: string): string {
  const [y, m] = period.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/**
 * Tiered per-lot pay. Each day's lots are paid provisionally at the tier reached by the partner's
 * lots so far in the month (in date order); when the month is closed, the difference between the
 * final amount and the provisional pay is settled once as a tier_adjustment.
 */
export function tierEntries(
  lotsByPartnerDay: Map<string, Map<string, string>>,
  plans: PlansAt,
  closed: Set<string>,
): DesiredEntry[] {
  const out: DesiredEntry[] = [];
  for (const [partnerId, days] of lotsByPartnerDay) {
    const byPeriod = new Map<string, [string, string][]>();
    for (const [date, lots] of [...days.entries()].sort(([a], [b]) => a.localeCompare(b)))
      byPeriod.set(periodOf(date), [...(byPeriod.get(periodOf(date)) ?? []), [date, lots]]);
    for (const [period, entries] of byPeriod) {
      let before = new Dec(0);
      let paid = new Dec(0);
      let ruleUsed: ReturnType<typeof findRule<'tiered_per_lot'>>;
      let planUsed: ReturnType<PlansAt['at']>;
      for (const [date, lots] of entries) {
        const own = plans.at(partnerId, date);
        const rule = own ? findRule(own.plan, 'tiered_per_lot') : undefined;
        if (!own || !rule) continue;
        ruleUsed = rule;
        planUsed = own;
        const e = tieredProvisional({ lots_before: before.toFixed(), lots, rule });
        before = before.plus(lots);
        paid = paid.plus(e.amount);
        out.push({
          source_type: 'partner_day', source_key: `${partnerId}|${date}`, rule: 'tiered_per_lot', kind: 'tiered_per_lot', partner_id: partnerId, level: 0,
          currency: own.plan.currency, amount: e.amount, fact_date: date, plan_id: own.plan_id, plan_version: own.version, explanation: e.explanation,
        });
      }
      if (closed.has(period) && ruleUsed && planUsed) {
        const s = tieredSettlement({ period_lots: before.toFixed(), already_paid: paid.toFixed(), rule: ruleUsed });
        out.push({
          source_type: 'partner_period', source_key: `${partnerId}|${period}`, rule: 'tier_adjustment', kind: 'tier_adjustment', partner_id: partnerId, level: 0,
          currency: planUsed.plan.currency, amount: s.amount, fact_date: lastDayOf(period), plan_id: planUsed.plan_id, plan_version: planUsed.version,
          explanation: s.explanation,
        });
      }
    }
  }
  return out;
}

/**
 * Joins `o`: the owner (partner_id, self_referral) of the row's customer at the last instant of its
 * month (`<alias>.month`, a first day) in the broker time zone given as parameter `tz`.
 */
const OWNER_AT_MONTH_END = (alias: string, tz: string) => `JOIN LATERAL (
         SELECT o.partner_id, o.self_referral FROM attributions o
         WHERE o.customer_id = ${alias}.customer_id AND o.superseded_at IS NULL
           AND o.effective_from <= ((${alias}.month + interval '1 month')::timestamp AT TIME ZONE ${tz}) - interval '1 millisecond'
           AND (o.effective_to IS NULL OR o.effective_to > ((${alias}.month + interval '1 month')::timestamp AT TIME ZONE ${tz}) - interval '1 millisecond')
         LIMIT 1) o ON true`;

/**
 * Net revenue per partner (the customers' owner at the month's end), month, currency and
 * instrument, split by the customer's flags (self-referred, KYC, account type), so each plan can
 * leave out what its exclusions name. Cent-account amounts (USC, EUC) arrive in their unit
 * currency (a hundredth). Bonuses are a row with no instrument.
 */
export interface PartnerMonthlyRevenue {
  partner_id: string;
  period: string;
  currency: string;
  instrument: string | null;
  self_referred: boolean;
  kyc: 'approved' | 'rejected' | 'pending';
  account_type: string | null;
  customers: number;
  spread_cost: string;
  commission: string;
  client_pnl: string;
  bonuses: string;
}

/** Monthly revenue of every customer each of these partners owned at a month's end (broker time zone), from the first month on record up to `to`. */
export async function loadPartnerMonthlyRevenue(
  db: Sql,
  partnerIds: string[],
  to: string,
  kyc: { kycApproved: string[]; kycRejected: string[] },
  timeZone: string,
): Promise<PartnerMonthlyRevenue[]> {
  if (!partnerIds.length) return [];
  return db.query<PartnerMonthlyRevenue>(
    `WITH owned AS (
       SELECT DISTINCT a.customer_id FROM attributions a WHERE a.partner_id = ANY($1::text[]) AND a.superseded_at IS NULL),
     raw AS (
       SELECT t.customer_id, date_trunc('month', t.date)::date AS month, t.currency, t.instrument,
              sum(t.spread_cost) AS spread_cost, sum(t.commission) AS commission, sum(t.pnl) AS client_pnl, 0::numeric AS bonuses
       FROM trading_activity t WHERE t.customer_id IN (SELECT customer_id FROM owned) AND t.date <= $2::date GROUP BY 1, 2, 3, 4
       UNION ALL
       SELECT x.customer_id, date_trunc('month', x.transaction_date AT TIME ZONE $5)::date, x.currency, NULL, 0, 0, 0, sum(x.amount)
       FROM transactions x WHERE x.customer_id IN (SELECT customer_id FROM owned) AND x.transaction_type = 'bonus' AND x.status = 'approved'
         AND x.transaction_date < (($2::date + 1)::timestamp AT TIME ZONE $5) GROUP BY 1, 2, 3),
     a AS (
       SELECT customer_id, month, instrument,
              CASE currency WHEN 'USC' THEN 'USD' WHEN 'EUC' THEN 'EUR' ELSE currency END AS currency,
              CASE WHEN currency IN ('USC', 'EUC') THEN 0.01 ELSE 1 END AS unit,
              spread_cost, commission, client_pnl, bonuses
       FROM raw),
     m AS (
       SELECT a.*, o.partner_id, o.self_referral IS NOT NULL AS self_referred, c.trading_account_type AS account_type,
              CASE WHEN lower(trim(c.kyc_status_id)) = ANY($4::text[]) THEN 'rejected'
                   WHEN lower(trim(c.kyc_status_id)) = ANY($3::text[]) THEN 'approved' ELSE 'pending' END AS kyc
       FROM a JOIN customers c ON c.customer_id = a.customer_id
       ${OWNER_AT_MONTH_END('a', '$5')}
       WHERE o.partner_id = ANY($1::text[]))
     SELECT partner_id, to_char(month, 'YYYY-MM') AS period, currency, instrument, self_referred, kyc, account_type,
            count(DISTINCT customer_id)::int AS customers,
            coalesce(sum(spread_cost * unit), 0)::text AS spread_cost, coalesce(sum(commission * unit), 0)::text AS commission,
            coalesce(sum(client_pnl * unit), 0)::text AS client_pnl, coalesce(sum(bonuses * unit), 0)::text AS bonuses
     FROM m GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 3, 2, 4 NULLS FIRST, 5, 6, 7`,
    [partnerIds, to, kyc.kycApproved, kyc.kycRejected, timeZone],
  );
}

/** The owners at the month's end of customers with approved bonuses in [from, to] (broker time zone), per month. */
export function bonusOwners(db: Sql, from: string, to: string, timeZone: string): Promise<{ partner_id: string; period: string }[]> {
  return db.query<{ partner_id: string; period: string }>(
    `SELECT DISTINCT o.partner_id, to_char(b.month, 'YYYY-MM') AS period
     FROM (SELECT DISTINCT x.customer_id, date_trunc('month', x.transaction_date AT TIME ZONE $3)::date AS month
           FROM transactions x WHERE x.transaction_type = 'bonus' AND x.status = 'approved'
             AND x.transaction_date >= ($1::date::timestamp AT TIME ZONE $3) AND x.transaction_date < (($2::date + 1)::timestamp AT TIME ZONE $3)) b
     ${OWNER_AT_MONTH_END('b', '$3')}`,
    [from, to, timeZone],
  );
}

/**
 * Revenue share per partner and closed month: the net revenue of every customer the partner owned
 * at the month's end, netted across customers (one client's profit offsets another's loss), at the
 * plan's percent or the tier the month's base reaches. With negative_carryover a losing month's
 * deficit is set off against the partner's next months; the chain is recomputed from the first
 * month each time, so it never depends on what was computed before. Customers and instruments the
 * plan's exclusions name (self-trading, rejected KYC when KYC is required, excluded instruments) add nothing.
 */
export function revenueShareEntries(revenue: PartnerMonthlyRevenue[], ctx: { plans: PlansAt; closed: Set<string> }): DesiredEntry[] {
  const out: DesiredEntry[] = [];
  const carry = new Map<string, string>();
  const months = new Map<string, PartnerMonthlyRevenue[]>();
  for (const r of revenue) {
    const key = `${r.partner_id}|${r.currency}|${r.period}`;
    months.set(key, [...(months.get(key) ?? []), r]);
  }
  for (const rows of months.values()) {
    const { partner_id: partnerId, currency, period } = rows[0];
    const chainKey = `${partnerId}|${currency}`;
    if (!ctx.closed.has(period)) continue;
    const day = lastDayOf(period);
    const own = ctx.plans.at(partnerId, day);
    const rule = own ? findRule(own.plan, 'revenue_share') : undefined;
    if (!own || !rule) {
      carry.delete(chainKey);
      continue;
    }
    const rules = exclusionsOf(own.plan);
    const sums = { spread_cost: new Dec(0), commission: new Dec(0), client_pnl: new Dec(0), bonuses: new Dec(0) };
    const left: string[] = [];
    for (const r of rows) {
      if (rules.self_trading && r.self_referred) { left.push('self-referred customers'); continue; }
      if (r.account_type && accountTypeListed(r.account_type, rules.account_types)) { left.push(`account type ${r.account_type}`); continue; }
      // Without approved KYC a customer's revenue waits: it counts from the run after the approval.
      if (rules.require_kyc_approved && r.kyc !== 'approved') { left.push(r.kyc === 'rejected' ? 'customers with rejected KYC' : 'customers awaiting KYC approval'); continue; }
      if (r.instrument !== null && symbolListed(r.instrument, rules.instruments, own.plan.symbol_normalisation)) { left.push(`excluded instrument ${r.instrument}`); continue; }
      for (const k of ['spread_cost', 'commission', 'client_pnl', 'bonuses'] as const) sums[k] = sums[k].plus(r[k]);
    }
    const net = netRevenue(Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v.toFixed()])), rule.components);
    const result = revenueSharePeriod({ net_revenue: net.amount, carried_in: carry.get(chainKey) ?? '0', rule });
    carry.set(chainKey, result.carried_out);
    const notes = [...(result.explanation.notes ?? []), `net revenue of the partner's customers at the end of ${period}, netted across customers`, ...[...new Set(left)].map((l) => `left out: ${l}`)];
    out.push({
      source_type: 'partner_period', source_key: `${partnerId}|${period}|${currency}`, rule: 'revenue_share', kind: 'revenue_share',
      partner_id: partnerId, level: 0, currency, amount: result.amount, fact_date: day,
      plan_id: own.plan_id, plan_version: own.version, explanation: { ...result.explanation, notes, steps: [net.explanation] },
    });
  }
  return out;
}
