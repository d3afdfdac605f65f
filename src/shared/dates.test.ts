import { describe, expect, it } from 'vitest';
import { businessDate, startOfBusinessDay } from './dates.ts';

describe('business days in the broker time zone', () => {
  it.each([
    ['2026-07-01', 'UTC', '2026-07-01T00:00:00.000Z'],
    ['2026-07-01', 'Europe/Athens', '2026-06-30T21:00:00.000Z'],
    ['2026-01-01', 'Europe/Athens', '2025-12-31T22:00:00.000Z'],
    // The days clocks change (at 03:00 / 04:00 local): midnight still has the old offset.
    ['2026-03-29', 'Europe/Athens', '2026-03-28T22:00:00.000Z'],
    ['2026-10-25', 'Europe/Athens', '2026-10-24T21:00:00.000Z'],
    ['2026-07-01', 'America/New_York', '2026-07-01T04:00:00.000Z'],
    ['2026-07-01', 'Asia/Kolkata', '2026-06-30T18:30:00.000Z'],
  ])('%s starts in %s at %s', (date, zone, instant) => {
    const start = startOfBusinessDay(date, zone);
    expect(start).toBe(instant);
    expect(businessDate(start, zone)).toBe(date);
    expect(businessDate(new Date(Date.parse(start) - 1).toISOString(), zone)).not.toBe(date);
  });
});
