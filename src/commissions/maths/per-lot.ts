import { Dec } from '../../shared/decimal.ts';
import type { RateLookup } from '../symbols.ts';
import { type Earning, explain, zeroEarning } from './explanation.ts';

/** Lots × the rate found for the symbol. A symbol without a rate pays 0 and says so. */
export function perLotCommission(input: { lots: string; rate: RateLookup }): Earning {
  const { lots, rate } = input;
  if (rate.kind === 'no_rate')
    return zeroEarning('per_lot', { symbol: rate.symbol, lots, rate: null, rate_source: rate.rate_source }, `${rate.rate_source}; the plan pays nothing on it`);
  const amount = new Dec(lots).times(rate.rate).toFixed();
  return {
    amount,
    explanation: explain({
      rule: 'per_lot',
      inputs: { symbol: rate.symbol, lots, rate: rate.rate, rate_source: rate.rate_source },
      formula: 'lots × rate',
      arithmetic: `${lots} × ${rate.rate} = ${amount}`,
      result: amount,
    }),
  };
}
