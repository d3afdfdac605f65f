/**
 * The demo's dates, relative to the day it is loaded: history from the first day of the month three
 * months back up to yesterday, so every "last 30 days" view of a fresh start has something to show.
 * The two oldest months are closed and paid out; the last full month is left open for finance to close.
 */
export interface DemoCalendar {
  /** The business date the demo is loaded on (broker time zone). */
  today: string;
  /** First day of the history: the 1st of the month three months before today's. */
  start: string;
  /** The last day with data. */
  yesterday: string;
  /** Days from start to yesterday, both included. */
  days: number;
  /** The months the demo closes and runs payouts for, oldest first: [paid out, under review]. */
  closed: [string, string];
  /** The last full month, left open. */
  open: string;
  /** start + offset days, never later than yesterday. */
  day(offset: number): string;
}

const DAY_MS = 86_400_000;
const parse = (date: string) => Date.parse(`${date}T00:00:00Z`);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The month (YYYY-MM) n months after (negative: before) the month of a date. */
export function monthFrom(date: string, n: number): string {
  const d = new Date(parse(`${date.slice(0, 7)}-01`));
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 7);
}

export function demoCalendar(today: string): DemoCalendar {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today) || Number.isNaN(parse(today))) throw new Error(`demoCalendar: "${today}" is not a YYYY-MM-DD date`);
  const start = `${monthFrom(today, -3)}-01`;
  const yesterday = iso(parse(today) - DAY_MS);
  const days = Math.round((parse(yesterday) - parse(start)) / DAY_MS) + 1;
  return {
    today,
    start,
    yesterday,
    days,
    closed: [monthFrom(today, -3), monthFrom(today, -2)],
    open: monthFrom(today, -1),
    day: (offset: number) => iso(parse(start) + Math.min(Math.max(0, offset), days - 1) * DAY_MS),
  };
}
