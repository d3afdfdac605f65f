import { addDays, businessDate, parseDate } from '../shared/dates.ts';
import { AppError } from '../shared/errors.ts';

const DAY = 86_400_000;
export { addDays };
export const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY);

function day(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const p = parseDate(value);
  if ('reason' in p) throw new AppError(400, 'invalid_parameters', `${name} ${p.reason}.`, [{ field: name, reason: p.reason }]);
  return p.value;
}

/** A report period of business dates: [from, to], by default the 30 days up to today. */
export function period(q: { from?: string; to?: string }, now: Date, timeZone: string, maxDays = 3660): { from: string; to: string } {
  const to = day('to', q.to) ?? businessDate(now.toISOString(), timeZone);
  const from = day('from', q.from) ?? addDays(to, -29);
  if (from > to) throw new AppError(400, 'invalid_parameters', 'from must not be after to.', [{ field: 'from', reason: 'is after to' }]);
  if (daysBetween(from, to) > maxDays) throw new AppError(400, 'invalid_parameters', `A report covers at most ${maxDays} days; narrow from/to.`, [{ field: 'from', reason: 'period too long' }]);
  return { from, to };
}

/** The period of the same length just before [from, to]. */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const length = daysBetween(from, to) + 1;
  return { from: addDays(from, -length), to: addDays(from, -1) };
}
