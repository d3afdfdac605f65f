/**
 * Every number, amount, date and change label the web app shows goes through this module.
 *
 * Amounts arrive as decimal strings and stay strings: Intl.NumberFormat formats a decimal string digit for digit, so no
 * float ever touches money. For display, money is rounded to the currency's minor unit (half to even, as statements
 * round); the exact value is kept for the Explain view, title attributes and exports (formatMoneyExact).
 */

/** The viewer's language (Node, where the unit tests run, has `navigator` too). */
const browserLocale = typeof navigator !== 'undefined' && navigator.language ? navigator.language : 'en';
/** The locale numbers and dates are shown in: the browser's, or the language the partner chose in the portal. */
let viewerLocale = browserLocale;

/** Shows numbers and dates in a locale from now on (the portal's language); null goes back to the browser's. */
export function setDisplayLocale(locale: string | null) {
  viewerLocale = locale ?? browserLocale;
}

/** The locale numbers and dates are shown in now. */
export const displayLocale = () => viewerLocale;

type Value = string | number | null | undefined;

const DECIMAL = /^[-+]?\d+(\.\d+)?$/;
function isDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

/** Whether a decimal string (or number) is zero, without parsing it into a float. */
export function isZero(value: string | number): boolean {
  return /^[-+]?0*(\.0*)?$/.test(String(value).trim()) && /\d/.test(String(value));
}

/** Whether a decimal string is negative (and not zero), without parsing it. */
export const isNegative = (value: string | number) => String(value).trim().startsWith('-') && !isZero(value);

const cache = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const k = `${locale}|${key}`;
  let f = cache.get(k);
  if (!f) {
    f = new Intl.NumberFormat(locale, options);
    cache.set(k, f);
  }
  return f;
}

/** A currency code Intl accepts (any three letters: USC, EUC and other non-ISO codes get 2 digits). */
function currencyCode(currency: string | undefined): string | null {
  const code = (currency ?? '').trim().toUpperCase();
  return /^[A-Z]{3}$/.test(code) ? code : null;
}

/**
 * Decimal places shown for a currency: its minor unit as Intl knows it (USD 2, JPY 0, KWD 3). Cent-account codes
 * (USC, EUC) show 2 decimals of their own unit; unknown codes 2.
 */
export function currencyDigits(currency: string): number {
  const code = currencyCode(currency);
  if (!code) return 2;
  try {
    return numberFormat('en', `digits:${code}`, { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

function moneyFormat(currency: string, locale: string, variant: 'rounded' | 'exact' | 'compact'): Intl.NumberFormat {
  const code = currencyCode(currency);
  const digits = currencyDigits(currency);
  const base: Intl.NumberFormatOptions = code ? { style: 'currency', currency: code } : {};
  const options: Intl.NumberFormatOptions =
    variant === 'rounded'
      ? { ...base, minimumFractionDigits: digits, maximumFractionDigits: digits, roundingMode: 'halfEven', signDisplay: 'negative' }
      : variant === 'exact'
        ? { ...base, minimumFractionDigits: digits, maximumFractionDigits: 100 }
        : { ...base, notation: 'compact', maximumSignificantDigits: 3, roundingMode: 'halfEven', signDisplay: 'negative' };
  return numberFormat(locale, `${variant}:${code ?? '-'}`, options);
}

function asText(value: Value): string | null {
  if (value === null || value === undefined || value === '') return null;
  return String(value).trim();
}

const format = (f: Intl.NumberFormat, text: string) => f.format(text as Intl.StringNumericLiteral);

/** An amount for display: rounded to the currency's minor unit ('556.465' USD → "$556.46"). */
export function formatMoney(value: Value, currency = 'USD', locale = viewerLocale): string {
  const text = asText(value);
  if (text === null) return '—';
  if (!isDecimal(text)) return text;
  return format(moneyFormat(currency, locale, 'rounded'), text);
}

/** An amount with every digit the API gave (the Explain view, titles): '556.465' USD → "$556.465". */
export function formatMoneyExact(value: Value, currency = 'USD', locale = viewerLocale): string {
  const text = asText(value);
  if (text === null) return '—';
  if (!isDecimal(text)) return text;
  return format(moneyFormat(currency, locale, 'exact'), text);
}

/** Whether a decimal string's integer part has at least `digits` digits (1,000 has 4), without parsing it. */
function atLeast(text: string, digits: number): boolean {
  const int = text.replace(/^[-+]/, '').split('.')[0]!.replace(/^0+/, '');
  return int.length >= digits;
}

/**
 * A KPI amount that fits one line of a narrow card: from 1,000 compact ("$2.93K", "$424K", "$1.23M"), below that the
 * rounded amount ("$193.65"). With a currency symbol and cents, "US$2,925.40" would not fit.
 */
export function formatMoneyCompact(value: Value, currency = 'USD', locale = viewerLocale): string {
  const text = asText(value);
  if (text === null) return '—';
  if (!isDecimal(text)) return text;
  return atLeast(text, 4) ? format(moneyFormat(currency, locale, 'compact'), text) : formatMoney(text, currency, locale);
}

/**
 * Counts, lots and rates: at most `maxFractionDigits` decimals (2 by default: lots are traded in hundredths), rounded
 * half to even.
 */
export function formatNumber(value: Value, maxFractionDigits = 2, locale = viewerLocale): string {
  const text = asText(value);
  if (text === null) return '—';
  if (!isDecimal(text)) return text;
  const f = numberFormat(locale, `number:${maxFractionDigits}`, { maximumFractionDigits: maxFractionDigits, roundingMode: 'halfEven', signDisplay: 'negative' });
  return format(f, text);
}

/** Every digit of a count or lot figure (titles). */
export function formatNumberExact(value: Value, locale = viewerLocale): string {
  const text = asText(value);
  if (text === null) return '—';
  if (!isDecimal(text)) return text;
  return format(numberFormat(locale, 'number:exact', { maximumFractionDigits: 100 }), text);
}

/** A KPI count or lot figure that fits one line: from 10,000 compact ("12.3K", "1.5M"), below that as formatNumber. */
export function formatNumberCompact(value: Value, locale = viewerLocale): string {
  const text = asText(value);
  if (text === null) return '—';
  if (!isDecimal(text)) return text;
  if (!atLeast(text, 5)) return formatNumber(text, 2, locale);
  return format(numberFormat(locale, 'number:compact', { notation: 'compact', maximumSignificantDigits: 3, roundingMode: 'halfEven', signDisplay: 'negative' }), text);
}

/** A percentage given in percent ('12.345' → "12.35 %"). */
export function formatPercent(value: Value, locale = viewerLocale): string {
  const text = asText(value);
  if (text === null) return '—';
  return `${formatNumber(text, 2, locale)} %`;
}

/** A KPI figure: what to show (compact, one line) and the exact value for its title. */
export function kpiFigure(value: Value, money: { currency: string } | null, locale = viewerLocale): { text: string; title: string } {
  if (money) return { text: formatMoneyCompact(value, money.currency, locale), title: formatMoneyExact(value, money.currency, locale) };
  return { text: formatNumberCompact(value, locale), title: formatNumberExact(value, locale) };
}

export type ChangeTone = 'up' | 'down' | 'flat' | 'new';

/**
 * The label of a change against the previous period. Nothing to nothing is "no change" (not good news); from nothing to
 * something is "new" (a percentage of zero means nothing); otherwise the signed percentage, one decimal.
 */
export function changeLabel(change: { previous: string | number; delta: string | number; percent: string | null }, locale = viewerLocale): { text: string; tone: ChangeTone } {
  const delta = String(change.delta);
  if (isZero(delta) || (change.percent !== null && isZero(change.percent))) return { text: 'no change', tone: 'flat' };
  if (isZero(change.previous) || change.percent === null) return { text: 'new', tone: 'new' };
  const f = numberFormat(locale, 'change', { maximumFractionDigits: 1, roundingMode: 'halfEven', signDisplay: 'exceptZero' });
  return { text: `${format(f, String(change.percent))} %`, tone: isNegative(delta) ? 'down' : 'up' };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: string, key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const k = `${locale}|${key}`;
  let f = dateFormats.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    dateFormats.set(k, f);
  }
  return f;
}

/** An instant, in the viewer's own time zone. */
export function formatDateTime(iso: string | null | undefined, locale = viewerLocale): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat(locale, 'datetime', { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A business date (YYYY-MM-DD in the broker's time zone): shown as that calendar day, never shifted. */
export function formatDate(day: string | null | undefined, locale = viewerLocale): string {
  if (!day) return '—';
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? day : dateFormat(locale, 'date', { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

/** A month (YYYY-MM) by name: "March 2026". */
export function formatMonth(month: string | null | undefined, locale = viewerLocale): string {
  if (!month) return '—';
  const d = new Date(`${month.slice(0, 7)}-01T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? month : dateFormat(locale, 'month', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
}

/** A period of business dates, with the broker time zone they follow. */
export function formatPeriod(from: string, to: string, brokerTimeZone?: string): string {
  const range = from === to ? formatDate(from) : `${formatDate(from)} – ${formatDate(to)}`;
  return brokerTimeZone ? `${range} (broker time, ${brokerTimeZone})` : range;
}

export const viewerTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Today and n days back as YYYY-MM-DD in a time zone (the broker's, for report periods). */
export function dayIn(timeZone: string, daysBack = 0): string {
  const d = new Date(Date.now() - daysBack * 86_400_000);
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  return parts;
}

/** The month (YYYY-MM) n months before the current one in a time zone. */
export function monthIn(timeZone: string, monthsBack = 0): string {
  const [y, m] = dayIn(timeZone).split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 - monthsBack, 1));
  return d.toISOString().slice(0, 7);
}

export const titleCase = (s: string) => s.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
