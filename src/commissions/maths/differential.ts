import { Dec } from '../../shared/decimal.ts';
import { explain, type LevelEarning } from './explanation.ts';

/**
 * Differential mode: every partner in the chain has its own per-lot rate for the symbol; an ancestor
 * earns lots × (its rate − the highest rate below it), never negative. When a deeper partner already
 * has a higher rate the ancestor earns 0 and that higher rate stays the bar for the next one up, so
 * the chain together never pays more than the highest rate × lots.
 *
 * Returns the ancestors only (level 1 upwards): the owner earns its own rate through the per_lot rule.
 * Rates are the partners' plan rates, not net of client rebates — the margin between two plans does
 * not change when the owner gives part of its own earning away.
 */
export function differentialEarnings(input: {
  lots: string;
  owner_rate: string;
  ancestors: readonly { partner_id: string; rate: string }[];
}): LevelEarning[] {
  const { lots } = input;
  let highestBelow = new Dec(input.owner_rate);
  return input.ancestors.map(({ partner_id, rate }, i) => {
    const level = i + 1;
    const below = highestBelow.toFixed();
    const margin = Dec.max(new Dec(rate).minus(highestBelow), 0);
    highestBelow = Dec.max(highestBelow, rate);
    const amount = new Dec(lots).times(margin).toFixed();
    const notes = margin.isZero() ? [`own rate ${rate} does not exceed ${below}, the highest rate below; nothing is earned`] : undefined;
    return {
      level,
      partner_id,
      amount,
      explanation: explain({
        rule: 'differential',
        inputs: { level, lots, own_rate: rate, highest_rate_below: below },
        formula: 'lots × max(own rate − highest rate below, 0)',
        arithmetic: `${lots} × max(${rate} − ${below}, 0) = ${lots} × ${margin.toFixed()} = ${amount}`,
        result: amount,
        notes,
      }),
    };
  });
}
