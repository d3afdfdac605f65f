import type { Sql } from '../../db/index.ts';
import { Dec } from '../../shared/decimal.ts';
import { revenueSharePeriod, netRevenue } from '../maths/revenue-share.ts';
import { tieredProvisional, tieredSettlement } from '../maths/tiered.ts';
import { findRule } from '../plan-schema.ts';
import type { DesiredEntry } from './desired.ts';
import type { PlansAt } from './plans-at.ts';

export const periodOf = (date: string) => date.slice(0, 7);
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

interface MonthlyRevenue {
  customer_id: string;
  period: string;
  currency: string;
  spread_cost: string;
  commission: string;
  client_pnl: string;
  bonuses: string;
}

/** Net revenue per customer, month and currency, from the first month on record up to `to`. */
export async function loadMonthlyRevenue(db: Sql, customerIds: string[], to: string): Promise<MonthlyRevenue[]> {
  return db.query<MonthlyRevenue>(
    `WITH a AS (
       SELECT customer_id, to_char(date, 'YYYY-MM') AS period, currency,
              coalesce(sum(spread_cost), 0) AS spread_cost, coalesce(sum(commission), 0) AS commission, coalesce(sum(pnl), 0) AS client_pnl
       FROM trading_activity WHERE customer_id = ANY($1::text[]) AND date <= $2::date GROUP BY 1, 2, 3),
     b AS (
       SELECT customer_id, to_char(transaction_date, 'YYYY-MM') AS period, currency, sum(amount) AS bonuses
       FROM transactions WHERE customer_id = ANY($1::text[]) AND transaction_type = 'bonus' AND status = 'approved' AND transaction_date < ($2::date + 1)
       GROUP BY 1, 2, 3)
     SELECT coalesce(a.customer_id, b.customer_id) AS customer_id, coalesce(a.period, b.period) AS period, coalesce(a.currency, b.currency) AS currency,
            coalesce(a.spread_cost, 0)::text AS spread_cost, coalesce(a.commission, 0)::text AS commission,
            coalesce(a.client_pnl, 0)::text AS client_pnl, coalesce(b.bonuses, 0)::text AS bonuses
     FROM a FULL JOIN b ON a.customer_id = b.customer_id AND a.period = b.period AND a.currency = b.currency
     ORDER BY 1, 3, 2`,
    [customerIds, to],
  );
}

/**
 * Revenue share per customer and closed month, to the customer's owner at the month's end. With
 * negative_carryover a losing month's deficit is set off against the next months; the chain is
 * recomputed from the first month each time, so it never depends on what was computed before.
 */
export function revenueShareEntries(
  revenue: MonthlyRevenue[],
  ctx: { plans: PlansAt; closed: Set<string>; ownerAtMonthEnd: (customerId: string, period: string) => string | undefined },
): DesiredEntry[] {
  const out: DesiredEntry[] = [];
  const carry = new Map<string, string>();
  for (const r of revenue) {
    if (!ctx.closed.has(r.period)) continue;
    const owner = ctx.ownerAtMonthEnd(r.customer_id, r.period);
    const day = lastDayOf(r.period);
    const own = owner ? ctx.plans.at(owner, day) : undefined;
    const rule = own ? findRule(own.plan, 'revenue_share') : undefined;
    const chainKey = `${r.customer_id}|${r.currency}`;
    if (!owner || !own || !rule) {
      carry.delete(chainKey);
      continue;
    }
    const net = netRevenue({ spread_cost: r.spread_cost, commission: r.commission, client_pnl: r.client_pnl, bonuses: r.bonuses }, rule.components);
    const result = revenueSharePeriod({ net_revenue: net.amount, carried_in: carry.get(chainKey) ?? '0', rule });
    carry.set(chainKey, result.carried_out);
    out.push({
      source_type: 'customer_period', source_key: `${r.customer_id}|${r.period}|${r.currency}`, rule: 'revenue_share', kind: 'revenue_share',
      partner_id: owner, level: 0, currency: r.currency, amount: result.amount, fact_date: day, customer_id: r.customer_id,
      plan_id: own.plan_id, plan_version: own.version, explanation: { ...result.explanation, steps: [net.explanation] },
    });
  }
  return out;
}
