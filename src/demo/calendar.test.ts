import { describe, expect, it } from 'vitest';
import { demoCalendar, monthFrom } from './calendar.ts';

describe('demoCalendar dates the demo back from the day it is loaded', () => {
  it.each([
    // today, start, yesterday, days, closed, open
    ['2026-12-03', '2026-09-01', '2026-12-02', 93, ['2026-09', '2026-10'], '2026-11'],
    ['2026-12-01', '2026-09-01', '2026-11-30', 91, ['2026-09', '2026-10'], '2026-11'],
    ['2026-07-01', '2026-04-01', '2026-06-30', 91, ['2026-04', '2026-05'], '2026-06'],
    ['2026-06-15', '2026-03-01', '2026-06-14', 106, ['2026-03', '2026-04'], '2026-05'],
    ['2027-01-31', '2026-10-01', '2027-01-30', 122, ['2026-10', '2026-11'], '2026-12'],
    ['2028-03-01', '2027-12-01', '2028-02-29', 91, ['2027-12', '2028-01'], '2028-02'],
  ] as const)('%s → %s … %s (%i days), closed %j, open %s', (today, start, yesterday, days, closed, open) => {
    const cal = demoCalendar(today);
    expect({ start: cal.start, yesterday: cal.yesterday, days: cal.days, closed: cal.closed, open: cal.open }).toEqual({ start, yesterday, days, closed, open });
    expect(cal.day(0)).toBe(start);
    expect(cal.day(days - 1)).toBe(yesterday);
    expect(cal.day(days + 40)).toBe(yesterday); // never after yesterday
  });

  it.each([
    ['2026-01-31', -1, '2025-12'],
    ['2026-03-31', -1, '2026-02'],
    ['2026-12-15', 1, '2027-01'],
    ['2026-05-01', 0, '2026-05'],
  ] as const)('monthFrom(%s, %i) = %s', (date, n, month) => {
    expect(monthFrom(date, n)).toBe(month);
  });

  it('refuses what is not a date', () => {
    expect(() => demoCalendar('2026-13-45')).toThrow(/not a YYYY-MM-DD date/);
    expect(() => demoCalendar('yesterday')).toThrow(/not a YYYY-MM-DD date/);
  });
});
