import { Decimal } from 'decimal.js';

/** Arbitrary-precision decimal for every amount, rate and lot count handled outside SQL. */
export const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -60, toExpPos: 60 });
export type Dec = InstanceType<typeof Dec>;

const DECIMAL_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?$/;
export const MAX_SIGNIFICANT_DIGITS = 15;

export interface DecimalRule {
  nonNegative?: boolean;
  maxDecimals?: number;
}

/** Counts significant digits of a plain decimal string: leading zeros never count, trailing zeros of an integer part don't either. */
export function significantDigits(text: string): number {
  const dot = text.indexOf('.');
  let first = -1;
  let last = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 49 || c > 57) continue; // not 1-9
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0) return 1;
  // With a fraction every digit after the first non-zero one counts (1.50 has 3); without, trailing zeros don't.
  const end = dot >= 0 ? text.length - 1 : last;
  let count = 0;
  for (let i = first; i <= end; i++) if (i !== dot) count++;
  return count;
}

/**
 * Turns a JSON number or a decimal string into a canonical decimal string, or explains why not.
 * Numbers arrive from JSON.parse; any number written with ≤ 15 significant digits converts back to
 * exactly the digits that were sent, which is the limit the API allows anyway.
 */
export function parseDecimal(value: unknown, rule: DecimalRule = {}): { value: string } | { reason: string } {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { reason: 'must be a finite number' };
    text = String(value);
    if (/e/i.test(text)) text = new Dec(value).toFixed();
  } else if (typeof value === 'string') {
    text = value.trim();
    if (!DECIMAL_TEXT.test(text)) return { reason: 'must be a decimal number such as 1250.75 (no exponent, no thousands separators)' };
  } else {
    return { reason: 'must be a number' };
  }
  if (text === '-0') text = '0';
  if (significantDigits(text) > MAX_SIGNIFICANT_DIGITS)
    return { reason: `must not exceed ${MAX_SIGNIFICANT_DIGITS} significant digits` };
  if (rule.nonNegative && text.startsWith('-')) return { reason: 'must not be negative' };
  if (rule.maxDecimals !== undefined) {
    const decimals = text.split('.')[1]?.length ?? 0;
    if (decimals > rule.maxDecimals) return { reason: `must have at most ${rule.maxDecimals} decimal places` };
  }
  return { value: text };
}
