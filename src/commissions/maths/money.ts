import { Dec } from '../../shared/decimal.ts';

// ISO 4217 minor units for the currencies that do not use two decimals. Kept as a table rather than
// read from Intl because ICU follows CLDR, which differs from ISO for some codes (cash digits).
const MINOR_UNITS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/**
 * Decimal places of a currency's minor unit. Everything not listed uses 2, including the cent-account
 * codes (USC, EUC) and the metals, which ISO leaves without a minor unit.
 */
export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency.toUpperCase()] ?? 2;
}

/**
 * Rounds a full-precision amount to the currency's minor unit, half to even. Call this once, where a
 * statement line is produced; ledger entries keep full precision so sums of them stay exact.
 */
export function roundMoney(amount: string, currency: string): string {
  const places = minorUnits(currency);
  const rounded = new Dec(amount).toDecimalPlaces(places, Dec.ROUND_HALF_EVEN);
  // A tiny negative amount rounds to zero; print it as 0.00, never -0.00.
  return (rounded.isZero() ? new Dec(0) : rounded).toFixed(places);
}
