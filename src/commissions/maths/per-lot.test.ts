import { describe, expect, it } from 'vitest';
import { PLAN_EXAMPLE, type Plan, validatePlan } from '../plan.ts';
import { perLotRateFor } from '../symbols.ts';
import { sumAmounts } from './explanation.ts';
import { roundMoney } from './money.ts';
import { perLotCommission } from './per-lot.ts';

const plan = validatePlan(PLAN_EXAMPLE).plan as Plan;
const perLot = (symbol: string, lots: string) => perLotCommission({ lots, rate: perLotRateFor(symbol, plan) });

describe('per-lot commission', () => {
  it.each([
    ['EURUSD', '2.5', '15', 'symbol EURUSD'],
    ['GBPUSD', '1.2', '4.8', 'group fx_majors'],
    ['XAUUSD', '0.5', '4', 'group metals'],
    ['EURUSD.pro', '0.01', '0.06', 'symbol EURUSD (EURUSD.pro read as EURUSD)'],
    ['BTCUSD', '3', '0', 'no rate for symbol BTCUSD'],
  ])('%s × %s lots → %s (%s)', (symbol, lots, amount, source) => {
    const earning = perLot(symbol, lots);
    expect(earning.amount).toBe(amount);
    expect(earning.explanation.inputs.rate_source).toBe(source);
  });

  it('pays $23.80 on 2.5 EURUSD + 1.2 GBPUSD + 0.5 XAUUSD (EURUSD $6 beats Majors $4; Metals $8)', () => {
    const total = sumAmounts([perLot('EURUSD', '2.5'), perLot('GBPUSD', '1.2'), perLot('XAUUSD', '0.5')].map((e) => e.amount));
    expect(total).toBe('23.8');
    expect(roundMoney(total, 'USD')).toBe('23.80');
  });

  it('explains itself in inputs, words and numbers', () => {
    expect(perLot('EURUSD', '2.5').explanation).toEqual({
      rule: 'per_lot',
      inputs: { symbol: 'EURUSD', lots: '2.5', rate: '6', rate_source: 'symbol EURUSD' },
      formula: 'lots × rate',
      arithmetic: '2.5 × 6 = 15',
      result: '15',
    });
  });

  it('records a missing rate as zero with the reason', () => {
    expect(perLot('US500', '1').explanation).toMatchObject({ result: '0', notes: ['no rate for symbol US500; the plan pays nothing on it'] });
  });
});
