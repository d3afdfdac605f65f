import { Dec } from '../../shared/decimal.ts';
import { explain } from '../maths/explanation.ts';
import type { DesiredEntry } from './desired.ts';
import { lastDayOf, periodOf } from './periods.ts';
import type { PlansAt } from './plans-at.ts';

/**
 * Plan caps. For each partner whose plan (on that day, or on the month's last day) sets `caps`,
 * what it earns in the plan currency is summed per business day and per month; above `per_day`
 * a cap_adjustment for the day takes the excess off, and above `per_month` (counting the daily
 * caps) one for the month does. Earnings in other currencies (spread share on a EUR account) are
 * not capped. Runs recompute whole months, so the sums always cover the whole day or month.
 */
export function capEntries(desired: readonly DesiredEntry[], plans: PlansAt): DesiredEntry[] {
  const byDay = new Map<string, { partner: string; day: string; currency: string; total: Dec }>();
  for (const e of desired) {
    const plan = plans.at(e.partner_id, e.fact_date);
    if (!plan?.plan.caps || e.currency !== plan.plan.currency) continue;
    const key = `${e.partner_id}|${e.fact_date}`;
    const d = byDay.get(key) ?? { partner: e.partner_id, day: e.fact_date, currency: e.currency, total: new Dec(0) };
    d.total = d.total.plus(e.amount);
    byDay.set(key, d);
  }
  const out: DesiredEntry[] = [];
  const byMonth = new Map<string, { partner: string; period: string; currency: string; total: Dec }>();
  for (const d of [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : 1))) {
    const plan = plans.at(d.partner, d.day)!;
    const cap = plan.plan.caps?.per_day;
    let kept = d.total;
    if (cap !== undefined && d.total.gt(cap)) {
      const amount = new Dec(cap).minus(d.total).toFixed();
      kept = new Dec(cap);
      out.push(capEntry(d.partner, 'partner_day', `${d.partner}|${d.day}|cap`, d.day, d.currency, amount, plan, 'per_day', cap, d.total.toFixed()));
    }
    const period = periodOf(d.day);
    const mKey = `${d.partner}|${period}`;
    const m = byMonth.get(mKey) ?? { partner: d.partner, period, currency: d.currency, total: new Dec(0) };
    m.total = m.total.plus(kept);
    byMonth.set(mKey, m);
  }
  for (const m of byMonth.values()) {
    const day = lastDayOf(m.period);
    const plan = plans.at(m.partner, day);
    const cap = plan?.plan.caps?.per_month;
    if (!plan || cap === undefined || !m.total.gt(cap)) continue;
    out.push(capEntry(m.partner, 'partner_period', `${m.partner}|${m.period}|cap`, day, m.currency, new Dec(cap).minus(m.total).toFixed(), plan, 'per_month', cap, m.total.toFixed()));
  }
  return out;
}

function capEntry(
  partnerId: string,
  sourceType: 'partner_day' | 'partner_period',
  sourceKey: string,
  factDate: string,
  currency: string,
  amount: string,
  plan: NonNullable<ReturnType<PlansAt['at']>>,
  which: 'per_day' | 'per_month',
  cap: string,
  earned: string,
): DesiredEntry {
  return {
    source_type: sourceType, source_key: sourceKey, rule: 'cap', kind: 'cap_adjustment', partner_id: partnerId, level: 0, currency, amount, fact_date: factDate,
    plan_id: plan.plan_id, plan_version: plan.version,
    explanation: explain({
      rule: 'cap',
      inputs: { cap: which, limit: cap, earned },
      formula: `limit − earned (what the partner earned above the plan's ${which === 'per_day' ? 'daily' : 'monthly'} cap)`,
      arithmetic: `${cap} − ${earned} = ${amount}`,
      result: amount,
    }),
  };
}
