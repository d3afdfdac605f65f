import { Dec } from '../../shared/decimal.ts';
import { REVENUE_COMPONENTS, type RevenueComponent, type RevenueShareRule } from '../plan-schema.ts';
import { type Earning, explain } from './explanation.ts';

/** What the broker earned from the customer(s) in the period, by component, in the plan currency. */
export type RevenueFacts = Partial<Record<RevenueComponent, string>>;

// Client profit and bonuses are the broker's cost, so they reduce net revenue.
const SIGN: Record<RevenueComponent, 1 | -1> = { spread_cost: 1, commission: 1, client_pnl: -1, bonuses: -1 };

/** spread_cost + commission − client_pnl − bonuses, restricted to the components the plan names. */
export function netRevenue(facts: RevenueFacts, components: readonly RevenueComponent[] = REVENUE_COMPONENTS): Earning {
  let total = new Dec(0);
  const terms: string[] = [];
  const inputs: Record<string, string> = {};
  for (const c of components) {
    const value = facts[c] ?? '0';
    inputs[c] = value;
    total = SIGN[c] === 1 ? total.plus(value) : total.minus(value);
    terms.push(terms.length === 0 && SIGN[c] === 1 ? `${value}` : `${SIGN[c] === 1 ? '+' : '−'} ${parenthesise(value)}`);
  }
  const amount = total.toFixed();
  const formula = components.map((c, i) => (i === 0 && SIGN[c] === 1 ? c : `${SIGN[c] === 1 ? '+' : '−'} ${c}`)).join(' ');
  return {
    amount,
    explanation: explain({ rule: 'net_revenue', inputs, formula: formula || 'no components', arithmetic: `${terms.join(' ') || '0'} = ${amount}`, result: amount }),
  };
}

const parenthesise = (v: string) => (v.startsWith('-') ? `(${v})` : v);

export interface RevenueSharePeriod extends Earning {
  /** The share the whole period earns, before what was already paid during it. */
  period_total: string;
  /** Negative base handed to the next period (0 when positive or when the plan resets). */
  carried_out: string;
}

/**
 * One period of revenue share. A negative carry from the previous period is set off first; if the
 * base is still negative nothing is paid and, with negative_carryover, the deficit moves on —
 * otherwise the next period starts from zero. `amount` is what remains to pay after `already_paid`
 * (provisional payments during the period), so settling twice never pays twice.
 */
export function revenueSharePeriod(input: {
  net_revenue: string;
  carried_in?: string;
  already_paid?: string;
  rule: Pick<RevenueShareRule, 'percent' | 'negative_carryover' | 'tiers'>;
}): RevenueSharePeriod {
  const { net_revenue, rule } = input;
  const carriedIn = input.carried_in ?? '0';
  const alreadyPaid = input.already_paid ?? '0';
  if (new Dec(carriedIn).gt(0)) throw new RangeError(`carried_in must be zero or negative; got ${carriedIn}`);
  const base = new Dec(net_revenue).plus(carriedIn);
  const positive = base.gt(0);
  // The tier the base reaches sets the percent for the whole base (below the first tier: the rule's percent).
  const tier = positive ? [...(rule.tiers ?? [])].reverse().find((t) => base.gte(t.from_net_revenue)) : undefined;
  const pct = tier?.percent ?? rule.percent;
  const periodTotal = positive ? base.times(pct).div(100) : new Dec(0);
  const carriedOut = !positive && rule.negative_carryover ? base : new Dec(0);
  const amount = periodTotal.minus(alreadyPaid).toFixed();
  const baseText = `${net_revenue} + ${carriedIn.startsWith('-') ? `(${carriedIn})` : carriedIn} = ${base.toFixed()}`;
  const notes = [
    positive
      ? tier
        ? `positive base at or above ${tier.from_net_revenue}: the tier's ${pct} % applies to the whole base`
        : 'positive base: the percent applies'
      : rule.negative_carryover
        ? `negative base: nothing is paid and ${carriedOut.toFixed()} is carried into the next period`
        : 'negative base: nothing is paid and the next period starts from zero (no carry-over)',
  ];
  return {
    amount,
    period_total: periodTotal.toFixed(),
    carried_out: carriedOut.toFixed(),
    explanation: explain({
      rule: 'revenue_share',
      inputs: { net_revenue, carried_in: carriedIn, percent: pct, ...(tier ? { tier_from_net_revenue: tier.from_net_revenue } : {}), negative_carryover: rule.negative_carryover, already_paid: alreadyPaid },
      formula: 'max(net revenue + carried-in deficit, 0) × percent ÷ 100 − already paid',
      arithmetic: `base ${baseText}; ${positive ? `${base.toFixed()} × ${pct} ÷ 100` : '0'} = ${periodTotal.toFixed()}; ${periodTotal.toFixed()} − ${alreadyPaid} = ${amount}`,
      result: amount,
      notes,
    }),
  };
}
