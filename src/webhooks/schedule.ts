/** Retry timing: the published schedule with jitter, and Retry-After. */

/** Jitter only ever delays: an attempt is never earlier than the published schedule, at most 20% later. */
export const JITTER = 0.2;
const MAX_RETRY_AFTER_SECONDS = 24 * 3600;
/** Longest an open circuit waits before its next probe. */
export const MAX_COOLDOWN_SECONDS = 3600;

/**
 * When to try again after failed attempt number `attempt` (1-based), or undefined when that was the
 * last one. schedule[n] is the wait before attempt n + 1; a Retry-After asking for longer wins.
 */
export function nextAttemptAt(
  schedule: readonly number[],
  attempt: number,
  failedAt: Date,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): Date | undefined {
  if (attempt >= schedule.length) return undefined;
  const planned = schedule[attempt] * (1 + JITTER * random());
  const wait = Math.max(planned, retryAfterSeconds ?? 0);
  return new Date(failedAt.getTime() + Math.round(wait * 1000));
}

/** Reads Retry-After (delay-seconds or an HTTP date) as seconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.ceil((at - now.getTime()) / 1000);
  }
  return Math.min(Math.max(seconds, 0), MAX_RETRY_AFTER_SECONDS);
}
