import { describe, expect, it } from 'vitest';
import { Dec } from '../../shared/decimal.ts';
import { sumAmounts } from './explanation.ts';
import { minorUnits, roundMoney } from './money.ts';

describe('exact amounts and statement rounding', () => {
  it('adds 0.1 and 0.2 to exactly 0.3 (a float gives 0.30000000000000004)', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumAmounts(['0.1', '0.2'])).toBe('0.3');
  });

  it('keeps the float traps from the research notes exact', () => {
    expect(0.5 * 0.35 * 3 * 4 * 2).not.toBe(4.2);
    expect(new Dec('0.5').times('0.35').times(3).times(4).times(2).toFixed()).toBe('4.2');
    expect(new Dec('1.14029').minus('1.14037').times(100000).toFixed()).toBe('-8');
  });

  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['CLF', 4],
    ['USC', 2],
    ['usd', 2],
  ])('%s has %i minor-unit decimals', (currency, places) => {
    expect(minorUnits(currency)).toBe(places);
  });

  it.each([
    ['23.8', 'USD', '23.80'],
    ['0.125', 'USD', '0.12'],
    ['0.135', 'USD', '0.14'],
    ['-0.125', 'USD', '-0.12'],
    ['-0.001', 'USD', '0.00'],
    ['1234.5', 'JPY', '1234'],
    ['1235.5', 'JPY', '1236'],
    ['1.23456', 'KWD', '1.235'],
    ['0.30000000000000000001', 'EUR', '0.30'],
  ])('rounds %s %s half-even to %s', (amount, currency, rounded) => {
    expect(roundMoney(amount, currency)).toBe(rounded);
  });
});
