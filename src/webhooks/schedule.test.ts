import { describe, expect, it } from 'vitest';
import { JITTER, nextAttemptAt, parseRetryAfter } from './schedule.ts';
import { DEFAULT_RETRY_SCHEDULE, loadWebhookSettings } from './settings.ts';

const at = new Date('2026-03-01T00:00:00Z');
const secondsAfter = (d: Date | undefined) => (d ? (d.getTime() - at.getTime()) / 1000 : undefined);

describe('nextAttemptAt', () => {
  it.each([
    [1, 5],
    [2, 300],
    [3, 1800],
    [4, 7200],
    [5, 18000],
    [6, 36000],
    [7, 36000],
  ])('after failed attempt %i waits %i s (no jitter drawn)', (attempt, seconds) => {
    expect(secondsAfter(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, attempt, at, undefined, () => 0))).toBe(seconds);
  });

  it('adds at most 20% jitter, never less than the schedule', () => {
    expect(secondsAfter(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, 2, at, undefined, () => 0.999999))).toBeCloseTo(300 * (1 + JITTER), 0);
  });

  it('stops after the last attempt: 8 attempts in all by default', () => {
    expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, 8, at)).toBeUndefined();
  });

  it('waits longer when Retry-After asks for it, never shorter', () => {
    expect(secondsAfter(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, 1, at, 120, () => 0))).toBe(120);
    expect(secondsAfter(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, 3, at, 120, () => 0))).toBe(1800);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120],
    [' 0 ', 0],
    ['Sun, 01 Mar 2026 00:01:30 GMT', 90],
    ['Sat, 28 Feb 2026 00:00:00 GMT', 0],
    ['999999999', 86400],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, seconds) => {
    expect(parseRetryAfter(value, at)).toBe(seconds);
  });
});

describe('OPENIB_WEBHOOK_RETRY_SCHEDULE', () => {
  it('takes comma-separated seconds and refuses anything else', () => {
    expect(loadWebhookSettings({ OPENIB_WEBHOOK_RETRY_SCHEDULE: '0, 10,60' }).retrySchedule).toEqual([0, 10, 60]);
    expect(loadWebhookSettings({}).retrySchedule).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(() => loadWebhookSettings({ OPENIB_WEBHOOK_RETRY_SCHEDULE: '0,-5' })).toThrow(/RETRY_SCHEDULE/);
    expect(() => loadWebhookSettings({ OPENIB_WEBHOOK_RETRY_SCHEDULE: '0,abc' })).toThrow(/RETRY_SCHEDULE/);
  });
});
