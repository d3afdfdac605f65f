/** Formatting that never turns money into a float: Intl.NumberFormat formats decimal strings digit for digit. */

const locale = typeof navigator !== 'undefined' ? navigator.language : 'en';
const money = new Map<string, Intl.NumberFormat>();

function isDecimal(value: unknown): value is string {
  return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value);
}

/** '1234.565' USD → "$1,234.565" style output with at least the currency's minor digits, keeping every digit given. */
export function formatMoney(value: string | number | null | undefined, currency = 'USD'): string {
  if (value === null || value === undefined || value === '') return '—';
  const text = String(value);
  if (!isDecimal(text)) return text;
  let f = money.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 20 });
    } catch {
      f = new Intl.NumberFormat(locale, { maximumFractionDigits: 20 });
    }
    money.set(currency, f);
  }
  return f.format(text as Intl.StringNumericLiteral);
}

const plain = new Intl.NumberFormat(locale, { maximumFractionDigits: 20 });
/** Counts, lots and rates from integers or decimal strings. */
export function formatNumber(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'number') return plain.format(value);
  return isDecimal(value) ? plain.format(value as Intl.StringNumericLiteral) : value;
}

export function formatPercent(value: string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return `${formatNumber(value)} %`;
}

/** Whether a decimal string is negative, without parsing it. */
export const isNegative = (value: string | number) => String(value).trim().startsWith('-');

const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
/** An instant, in the viewer's own time zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

const businessDate = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
/** A business date (YYYY-MM-DD in the broker's time zone): shown as that calendar day, never shifted. */
export function formatDate(day: string | null | undefined): string {
  if (!day) return '—';
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? day : businessDate.format(d);
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

export const titleCase = (s: string) => s.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
