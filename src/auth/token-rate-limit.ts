/**
 * Fixed one-minute windows counted in this process, per key (an IP address or a client_id).
 * Guessing client secrets needs many attempts; each process refuses more than `max` a minute per key.
 */
export class MinuteLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly max: number;
  private readonly now: () => number;

  constructor(max: number, now: () => number = Date.now) {
    this.max = max;
    this.now = now;
  }

  /** Counts one attempt; answers the seconds to wait when the key is over its limit, else 0. */
  hit(key: string): number {
    const now = this.now();
    if (this.windows.size > 10_000) for (const [k, w] of this.windows) if (w.start <= now - 60_000) this.windows.delete(k);
    let w = this.windows.get(key);
    if (!w || w.start <= now - 60_000) {
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count += 1;
    return w.count > this.max ? Math.max(1, Math.ceil((w.start + 60_000 - now) / 1000)) : 0;
  }
}
