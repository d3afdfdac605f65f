import { AppError } from '../shared/errors.ts';
import type { PeriodKind } from './settings.ts';

export interface Period {
  period: string;
  kind: PeriodKind;
  /** First and last business dates (broker time zone), inclusive. */
  start: string;
  end: string;
  /** The commission months (YYYY-MM) the period touches. */
  months: string[];
}

const iso = (d: Date) => d.toISOString().slice(0, 10);
const FORMS: Record<PeriodKind, { re: RegExp; example: string }> = {
  monthly: { re: /^(\d{4})-(0[1-9]|1[0-2])$/, example: '2026-03' },
  weekly: { re: /^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$/, example: '2026-W10' },
  daily: { re: /^(\d{4})-(\d{2})-(\d{2})$/, example: '2026-03-02' },
};

function bad(kind: PeriodKind, value: string): AppError {
  return new AppError(422, 'validation_failed', `period "${value.slice(0, 40)}" is not a ${kind} period; send it like ${FORMS[kind].example}.`, [
    { field: 'period', reason: `must be a ${kind} period such as ${FORMS[kind].example}` },
  ]);
}

/** Monday of ISO week 1 of a year: the week holding 4 January. */
function isoWeekOneMonday(year: number): Date {
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const dow = jan4.getUTCDay() || 7;
  return new Date(Date.UTC(year, 0, 4 - (dow - 1)));
}

/** Parses a period of the configured kind into its first and last business dates. */
export function parsePeriod(value: string, kind: PeriodKind): Period {
  const m = FORMS[kind].re.exec(value);
  if (!m) throw bad(kind, value);
  const year = Number(m[1]);
  if (year < 1970 || year > 2100) throw bad(kind, value);
  let start: Date;
  let end: Date;
  if (kind === 'monthly') {
    start = new Date(Date.UTC(year, Number(m[2]) - 1, 1));
    end = new Date(Date.UTC(year, Number(m[2]), 0));
  } else if (kind === 'weekly') {
    const week = Number(m[2]);
    start = new Date(isoWeekOneMonday(year).getTime() + (week - 1) * 7 * 86_400_000);
    end = new Date(start.getTime() + 6 * 86_400_000);
    // Week 53 exists only in years whose week 1 of the next year starts later.
    if (week === 53 && iso(new Date(end.getTime() + 86_400_000)) > iso(isoWeekOneMonday(year + 1))) throw bad(kind, value);
  } else {
    start = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3])));
    if (iso(start) !== value) throw bad(kind, value);
    end = start;
  }
  const months = [...new Set([iso(start).slice(0, 7), iso(end).slice(0, 7)])];
  return { period: value, kind, start: iso(start), end: iso(end), months };
}

/** The day `days` before a business date. */
export function daysBefore(date: string, days: number): string {
  return iso(new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000));
}
