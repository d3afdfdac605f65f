import { Dec } from '../../shared/decimal.ts';
import type { Tier, TieredPerLotRule } from '../plan-schema.ts';
import { type Earning, explain } from './explanation.ts';

type TierRule = Pick<TieredPerLotRule, 'mode' | 'tiers'>;

/** The tier reached with this many lots in the period; from_lots is inclusive (100 lots reach the "100" tier). */
export function tierReached(lots: string, tiers: readonly Tier[]): Tier {
  let reached = tiers[0];
  for (const tier of tiers) if (new Dec(lots).gte(tier.from_lots)) reached = tier;
  return reached;
}

interface Band {
  tier: Tier;
  lots: Dec;
}

/** How the lot interval [from, to) falls into the tier bands; each band runs up to the next tier's from_lots. */
function bands(from: Dec, to: Dec, tiers: readonly Tier[]): Band[] {
  const out: Band[] = [];
  tiers.forEach((tier, i) => {
    const start = Dec.max(from, tier.from_lots);
    const end = i + 1 < tiers.length ? Dec.min(to, tiers[i + 1].from_lots) : to;
    if (end.gt(start)) out.push({ tier, lots: end.minus(start) });
  });
  return out;
}

function bandArithmetic(parts: Band[]): { amount: Dec; text: string } {
  const amount = parts.reduce((sum, b) => sum.plus(b.lots.times(b.tier.rate)), new Dec(0));
  const text = parts.length ? parts.map((b) => `${b.lots.toFixed()} × ${b.tier.rate}`).join(' + ') : '0';
  return { amount, text };
}

/** What the whole period pays for this many lots: the final figure that settlement aims at. */
export function tieredAmount(input: { period_lots: string; rule: TierRule }): Earning {
  const { period_lots, rule } = input;
  if (rule.mode === 'retroactive') {
    const tier = tierReached(period_lots, rule.tiers);
    const amount = new Dec(period_lots).times(tier.rate).toFixed();
    return {
      amount,
      explanation: explain({
        rule: 'tiered_per_lot',
        inputs: { mode: rule.mode, period_lots, tier_from_lots: tier.from_lots, rate: tier.rate },
        formula: 'period lots × rate of the tier reached',
        arithmetic: `${period_lots} × ${tier.rate} = ${amount}`,
        result: amount,
      }),
    };
  }
  const { amount, text } = bandArithmetic(bands(new Dec(0), new Dec(period_lots), rule.tiers));
  return {
    amount: amount.toFixed(),
    explanation: explain({
      rule: 'tiered_per_lot',
      inputs: { mode: rule.mode, period_lots },
      formula: 'each band of lots × its own tier rate',
      arithmetic: `${text} = ${amount.toFixed()}`,
      result: amount.toFixed(),
    }),
  };
}

/**
 * Provisional pay for a new slice of lots, given the lots already in the period. Retroactive: the
 * slice is paid at the tier reached including it, and earlier lots wait for the period close to be
 * lifted. Marginal: each part of the slice at its band's rate, which is already final.
 */
export function tieredProvisional(input: { lots_before: string; lots: string; rule: TierRule }): Earning {
  const { lots_before, lots, rule } = input;
  const after = new Dec(lots_before).plus(lots);
  if (rule.mode === 'retroactive') {
    const tier = tierReached(after.toFixed(), rule.tiers);
    const amount = new Dec(lots).times(tier.rate).toFixed();
    return {
      amount,
      explanation: explain({
        rule: 'tiered_per_lot',
        inputs: { mode: rule.mode, lots_before, lots, lots_after: after.toFixed(), tier_from_lots: tier.from_lots, rate: tier.rate },
        formula: 'slice lots × rate of the tier reached so far (provisional; settled at period close)',
        arithmetic: `${lots} × ${tier.rate} = ${amount}`,
        result: amount,
      }),
    };
  }
  // A negative slice (a correction) walks the bands downwards and takes back at the same rates.
  const lo = Dec.min(lots_before, after);
  const hi = Dec.max(lots_before, after);
  const { amount: magnitude, text } = bandArithmetic(bands(lo, hi, rule.tiers));
  const amount = (after.gte(lots_before) ? magnitude : magnitude.neg()).toFixed();
  return {
    amount,
    explanation: explain({
      rule: 'tiered_per_lot',
      inputs: { mode: rule.mode, lots_before, lots, lots_after: after.toFixed() },
      formula: 'each part of the slice × the rate of the band it falls in',
      arithmetic: `${after.gte(lots_before) ? '' : '−('}${text}${after.gte(lots_before) ? '' : ')'} = ${amount}`,
      result: amount,
    }),
  };
}

/**
 * The tier_adjustment at period close: the period's final amount minus everything already paid on
 * it (provisional slices and any earlier adjustment), so running it twice pays nothing the second time.
 */
export function tieredSettlement(input: { period_lots: string; already_paid: string; rule: TierRule }): Earning & { final_amount: string } {
  const final = tieredAmount({ period_lots: input.period_lots, rule: input.rule });
  const amount = new Dec(final.amount).minus(input.already_paid).toFixed();
  return {
    amount,
    final_amount: final.amount,
    explanation: explain({
      rule: 'tier_adjustment',
      inputs: { mode: input.rule.mode, period_lots: input.period_lots, final_amount: final.amount, already_paid: input.already_paid },
      formula: 'final amount for the period − already paid',
      arithmetic: `${final.amount} − ${input.already_paid} = ${amount}`,
      result: amount,
      steps: [final.explanation],
    }),
  };
}
