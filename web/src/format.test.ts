import { describe, expect, it } from 'vitest';
import {
  changeLabel,
  currencyDigits,
  formatMoney,
  formatMoneyCompact,
  formatMoneyExact,
  formatNumber,
  formatNumberCompact,
  formatPercent,
  isNegative,
  isZero,
  kpiFigure,
} from './format.ts';

// Intl puts a narrow no-break space or a no-break space in some outputs; compare with plain spaces.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
const L = 'en-US';

describe('currencyDigits', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['USC', 2],
    ['EUC', 2],
    ['XYZ', 2],
    ['', 2],
    ['not a code', 2],
  ])('%s → %i', (currency, digits) => {
    expect(currencyDigits(currency)).toBe(digits);
  });
});

describe('formatMoney rounds to the minor unit, half to even', () => {
  it.each([
    ['556.465', 'USD', '$556.46'],
    ['556.475', 'USD', '$556.48'],
    ['556.4651', 'USD', '$556.47'],
    ['0.1234567890123456789', 'USD', '$0.12'],
    ['1234567.891', 'USD', '$1,234,567.89'],
    ['12', 'USD', '$12.00'],
    [12, 'USD', '$12.00'],
    ['-15.505', 'USD', '-$15.50'],
    ['-0.001', 'USD', '$0.00'],
    ['98765432109876543210.125', 'USD', '$98,765,432,109,876,543,210.12'],
    ['1234.5', 'JPY', '¥1,234'],
    ['1234.5678', 'KWD', 'KWD 1,234.568'],
    ['1234.567', 'USC', 'USC 1,234.57'],
    ['0.005', 'EUC', 'EUC 0.00'],
    ['10.125', 'XYZ', 'XYZ 10.12'],
    ['10.125', 'lots', '10.12'],
    [null, 'USD', '—'],
    [undefined, 'USD', '—'],
    ['', 'USD', '—'],
    ['n/a', 'USD', 'n/a'],
  ] as const)('%s %s → %s', (value, currency, shown) => {
    expect(plain(formatMoney(value, currency, L))).toBe(shown);
  });
});

describe('formatMoneyExact keeps every digit', () => {
  it.each([
    ['556.465', 'USD', '$556.465'],
    ['0.1234567890123456789', 'USD', '$0.1234567890123456789'],
    ['12', 'USD', '$12.00'],
    ['7', 'JPY', '¥7'],
    ['-3.14159', 'USC', '-USC 3.14159'],
  ])('%s %s → %s', (value, currency, shown) => {
    expect(plain(formatMoneyExact(value, currency, L))).toBe(shown);
  });
});

describe('compact KPI figures', () => {
  it.each([
    ['424123.45', 'USD', '$424K'],
    ['1234567', 'USD', '$1.23M'],
    ['999999', 'USD', '$1M'],
    ['10000', 'USD', '$10K'],
    ['9999.99', 'USD', '$10K'],
    ['2925.4', 'USD', '$2.93K'],
    ['1000', 'USD', '$1K'],
    ['999.995', 'USD', '$1,000.00'],
    ['999.99', 'USD', '$999.99'],
    ['556.465', 'USD', '$556.46'],
    ['-15234', 'USD', '-$15.2K'],
    ['0', 'USD', '$0.00'],
    ['2500000', 'JPY', '¥2.5M'],
  ])('money %s %s → %s', (value, currency, shown) => {
    expect(plain(formatMoneyCompact(value, currency, L))).toBe(shown);
  });

  it.each([
    [0, '0'],
    [1234, '1,234'],
    ['9999.99', '9,999.99'],
    ['2.5', '2.5'],
    ['2.505', '2.5'],
    ['12345', '12.3K'],
    ['1500000', '1.5M'],
  ] as const)('count %s → %s', (value, shown) => {
    expect(formatNumberCompact(value, L)).toBe(shown);
  });

  it('keeps the exact figure for the title', () => {
    expect(kpiFigure('424123.456', { currency: 'USD' }, L)).toEqual({ text: '$424K', title: '$424,123.456' });
    expect(kpiFigure('12345.678', null, L)).toEqual({ text: '12.3K', title: '12,345.678' });
  });
});

describe('formatNumber and formatPercent', () => {
  it.each([
    [3, undefined, '3'],
    ['1234.5678', undefined, '1,234.57'],
    ['0.125', undefined, '0.12'],
    ['0.125', 3, '0.125'],
    ['-0.001', undefined, '0'],
    [null, undefined, '—'],
  ] as const)('%s (max %s) → %s', (value, digits, shown) => {
    expect(formatNumber(value, digits, L)).toBe(shown);
  });

  it.each([
    ['12.5', '12.5 %'],
    ['33.33333333', '33.33 %'],
    [null, '—'],
  ])('%s → %s', (value, shown) => {
    expect(formatPercent(value, L)).toBe(shown);
  });
});

describe('changeLabel', () => {
  it.each([
    [{ previous: '0', delta: '0', percent: null }, 'no change', 'flat'],
    [{ previous: 0, delta: '0', percent: null }, 'no change', 'flat'],
    [{ previous: '0.00', delta: '0.00', percent: null }, 'no change', 'flat'],
    [{ previous: '0', delta: '125.5', percent: null }, 'new', 'new'],
    [{ previous: 0, delta: '3', percent: null }, 'new', 'new'],
    [{ previous: '0', delta: '-40', percent: null }, 'new', 'new'],
    [{ previous: '200', delta: '0', percent: '0.0' }, 'no change', 'flat'],
    [{ previous: '200', delta: '25', percent: '12.5' }, '+12.5 %', 'up'],
    [{ previous: '200', delta: '-50', percent: '-25.0' }, '-25 %', 'down'],
    [{ previous: '-100', delta: '50', percent: '50.0' }, '+50 %', 'up'],
    [{ previous: 10, delta: '-10', percent: '-100.0' }, '-100 %', 'down'],
  ] as const)('%o → %s', (change, text, tone) => {
    expect(changeLabel(change, L)).toEqual({ text, tone });
  });
});

describe('isZero and isNegative read decimal strings without floats', () => {
  it.each([
    ['0', true, false],
    ['-0.000', true, false],
    ['0.0000000000000000001', false, false],
    ['-0.0000000000000000001', false, true],
    ['-12', false, true],
    ['12', false, false],
  ])('%s: zero %s, negative %s', (value, zero, negative) => {
    expect(isZero(value)).toBe(zero);
    expect(isNegative(value)).toBe(negative);
  });
});
