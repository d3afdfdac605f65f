import type { Database } from '../db/index.ts';

/** One counted hit: how many hits the key has in its current window, and when that window ends. */
export interface WindowCount {
  count: number;
  /** Milliseconds until the window ends. */
  ttlMs: number;
}

/**
 * Counts hits per key in fixed windows. On a PostgreSQL server the count lives in the database
 * (table rate_limit_windows, timed by the database's clock), so every API process on that
 * database shares one limit; on the embedded database, which only one process can open, it is
 * kept in memory.
 */
export interface WindowCounter {
  readonly shared: boolean;
  hit(key: string, windowMs: number): Promise<WindowCount>;
  /** Stops the periodic sweep of ended windows. */
  close(): void;
}

const HIT = `
INSERT INTO rate_limit_windows AS w (key, hits, resets_at)
VALUES ($1, 1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
ON CONFLICT (key) DO UPDATE SET
  hits = CASE WHEN w.resets_at <= clock_timestamp() THEN 1 ELSE w.hits + 1 END,
  resets_at = CASE WHEN w.resets_at <= clock_timestamp() THEN EXCLUDED.resets_at ELSE w.resets_at END
RETURNING hits, GREATEST(0, ceil(extract(epoch FROM w.resets_at - clock_timestamp()) * 1000))::int AS ttl_ms`;

const SWEEP_MS = 60_000;

export function databaseWindowCounter(db: Database): WindowCounter {
  // Ended windows are deleted now and then (a row is reused when its key comes back anyway).
  const sweep = setInterval(() => {
    db.query(`DELETE FROM rate_limit_windows WHERE resets_at < clock_timestamp() - interval '1 minute'`).catch(() => {});
  }, SWEEP_MS);
  sweep.unref();
  return {
    shared: true,
    async hit(key, windowMs) {
      const [row] = await db.query<{ hits: number; ttl_ms: number }>(HIT, [key, windowMs]);
      return { count: Number(row.hits), ttlMs: Number(row.ttl_ms) };
    },
    close: () => clearInterval(sweep),
  };
}

export function memoryWindowCounter(now: () => number = Date.now): WindowCounter {
  const windows = new Map<string, { resetsAt: number; count: number }>();
  return {
    shared: false,
    async hit(key, windowMs) {
      const t = now();
      if (windows.size > 10_000) for (const [k, w] of windows) if (w.resetsAt <= t) windows.delete(k);
      let w = windows.get(key);
      if (!w || w.resetsAt <= t) {
        w = { resetsAt: t + windowMs, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      return { count: w.count, ttlMs: w.resetsAt - t };
    },
    close: () => {},
  };
}

/** The counter for this database: shared in PostgreSQL when it is a server, in memory when embedded. */
export function windowCounterFor(db: Database): WindowCounter {
  return db.kind === 'postgres' ? databaseWindowCounter(db) : memoryWindowCounter();
}

type Callback = (err: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A store for @fastify/rate-limit over a WindowCounter: the plugin asks it to count one hit per
 * request; each route with its own limit gets its own key prefix (as the plugin's Redis store does).
 */
export function rateLimitStore(counter: WindowCounter) {
  class CounterStore {
    private readonly prefix: string;
    constructor(_options?: unknown, prefix = 'api:') {
      this.prefix = prefix;
    }
    incr(key: string, cb: Callback, timeWindow: number) {
      counter.hit(this.prefix + key, timeWindow).then(
        (r) => cb(null, { current: r.count, ttl: r.ttlMs }),
        (err: Error) => cb(err),
      );
    }
    // The plugin hands each route's merged options with the route under routeInfo (not in its type).
    child(routeOptions: object) {
      const route = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo ?? {};
      return new CounterStore(undefined, `${String(route.method ?? '')}${String(route.url ?? '')}:`);
    }
  }
  return CounterStore;
}
