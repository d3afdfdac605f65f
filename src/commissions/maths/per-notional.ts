import { Dec } from '../../shared/decimal.ts';
import type { PerNotionalRule } from '../plan-schema.ts';
import { type Earning, explain } from './explanation.ts';

/**
 * USD notional of a deal: lots × contract size × price × conversion of the quote currency to USD
 * (1 when the quote currency is USD). Daily activity rows carry this figure as volume_usd already.
 */
export function notionalUsd(input: { lots: string; contract_size: string; price: string; quote_to_usd: string }): Earning {
  const { lots, contract_size, price, quote_to_usd } = input;
  const amount = new Dec(lots).times(contract_size).times(price).times(quote_to_usd).toFixed();
  return {
    amount,
    explanation: explain({
      rule: 'notional_usd',
      inputs: { lots, contract_size, price, quote_to_usd },
      formula: 'lots × contract size × price × quote-to-USD rate',
      arithmetic: `${lots} × ${contract_size} × ${price} × ${quote_to_usd} = ${amount}`,
      result: amount,
    }),
  };
}

/**
 * volume_usd × rate ÷ per_usd. Multiplying first leaves one division; it is exact whenever per_usd
 * is a round figure like 100000 or 1000000, and otherwise carries 60 significant digits.
 */
export function perNotionalCommission(input: { volume_usd: string; rule: Pick<PerNotionalRule, 'per_usd' | 'rate'> }): Earning {
  const { volume_usd, rule } = input;
  const amount = new Dec(volume_usd).times(rule.rate).div(rule.per_usd).toFixed();
  return {
    amount,
    explanation: explain({
      rule: 'per_notional',
      inputs: { volume_usd, rate: rule.rate, per_usd: rule.per_usd },
      formula: 'notional USD × rate ÷ per_usd',
      arithmetic: `${volume_usd} × ${rule.rate} ÷ ${rule.per_usd} = ${amount}`,
      result: amount,
    }),
  };
}
