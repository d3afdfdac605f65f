// ISO 8601 calendar date, optionally with a time and a zone; a time without a zone is read as UTC.
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

const MIN_YEAR = 1970;
const MAX_YEAR = 2100;

function validCalendarDate(y: number, m: number, d: number): boolean {
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Parses an ISO 8601 date-time into a canonical UTC ISO string, or explains why not. */
export function parseDateTime(value: unknown): { value: string } | { reason: string } {
  if (typeof value !== 'string') return { reason: 'must be an ISO 8601 date-time string' };
  const m = ISO_DATE_TIME.exec(value.trim());
  if (!m) return { reason: 'must be an ISO 8601 date-time such as 2026-03-01T14:05:00Z' };
  const [, y, mo, d, hh = '00', mi = '00', ss = '00', frac = '', zone = 'Z'] = m;
  if (!validCalendarDate(+y, +mo, +d)) return { reason: `is not a real calendar date between ${MIN_YEAR} and ${MAX_YEAR}` };
  if (+hh > 23 || +mi > 59 || +ss > 59) return { reason: 'has an impossible time of day' };
  let z = zone.toUpperCase();
  if (z !== 'Z' && z.length === 3) z += ':00';
  else if (z !== 'Z' && !z.includes(':')) z = `${z.slice(0, 3)}:${z.slice(3)}`;
  const ms = frac ? frac.slice(0, 4).padEnd(4, '0') : '.000';
  const date = new Date(`${y}-${mo}-${d}T${hh}:${mi}:${ss}${ms}${z}`);
  if (Number.isNaN(date.getTime())) return { reason: 'must be an ISO 8601 date-time such as 2026-03-01T14:05:00Z' };
  return { value: date.toISOString() };
}

// A batch repeats a handful of dates many times; remembering recent answers keeps validation cheap.
const dateCache = new Map<string, { value: string } | { reason: string }>();

/** Parses a YYYY-MM-DD calendar date. */
export function parseDate(value: unknown): { value: string } | { reason: string } {
  if (typeof value !== 'string' || value.length !== 10) return { reason: 'must be a date in YYYY-MM-DD format' };
  const cached = dateCache.get(value);
  if (cached) return cached;
  let result: { value: string } | { reason: string };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) result = { reason: 'must be a date in YYYY-MM-DD format' };
  else {
    const [y, m, d] = value.split('-').map(Number);
    result = validCalendarDate(y, m, d) ? { value } : { reason: `is not a real calendar date between ${MIN_YEAR} and ${MAX_YEAR}` };
  }
  if (dateCache.size > 10_000) dateCache.clear();
  dateCache.set(value, result);
  return result;
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** The broker's business day (YYYY-MM-DD) of an instant, in the broker's time zone. */
export function businessDate(isoInstant: string, timeZone: string): string {
  let f = dayFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, f);
  }
  return f.format(new Date(isoInstant));
}

/**
 * The instant a business day starts in the broker's time zone (midnight there), as ISO UTC.
 * Found by correcting a UTC guess with the zone's offset; a second pass settles DST changes.
 */
export function startOfBusinessDay(date: string, timeZone: string): string {
  const target = Date.parse(`${date}T00:00:00Z`);
  let t = target;
  for (let pass = 0; pass < 3; pass++) {
    const local = Date.parse(`${businessDate(new Date(t).toISOString(), timeZone)}T${timeOfDay(t, timeZone)}Z`);
    const next = t - (local - target);
    if (next === t) break;
    t = next;
  }
  return new Date(t).toISOString();
}

const timeFormatters = new Map<string, Intl.DateTimeFormat>();
function timeOfDay(t: number, timeZone: string): string {
  let f = timeFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    timeFormatters.set(timeZone, f);
  }
  return f.format(new Date(t));
}

/** The business date `days` days after `date` (both YYYY-MM-DD; negative goes back). */
export const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
