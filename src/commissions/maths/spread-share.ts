import { Dec } from '../../shared/decimal.ts';
import type { SpreadShareRule } from '../plan-schema.ts';
import { type Earning, explain } from './explanation.ts';

/** A percent of the spread cost the client paid (as reported on the activity row or deal). */
export function spreadShareCommission(input: { spread_cost: string; rule: Pick<SpreadShareRule, 'percent'> }): Earning {
  const { spread_cost, rule } = input;
  const amount = new Dec(spread_cost).times(rule.percent).div(100).toFixed();
  return {
    amount,
    explanation: explain({
      rule: 'spread_share',
      inputs: { spread_cost, percent: rule.percent },
      formula: 'spread cost × percent ÷ 100',
      arithmetic: `${spread_cost} × ${rule.percent} ÷ 100 = ${amount}`,
      result: amount,
    }),
  };
}
