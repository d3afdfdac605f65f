import { parseCidr } from './address-policy.ts';

/** Outbound delivery settings (webhooks and partner postbacks), read from the environment by loadConfig. */
export interface WebhookSettings {
  /** Seconds to wait before each attempt; the first is normally 0 (at once). Its length is the number of attempts. */
  retrySchedule: number[];
  /** Per-attempt time limit, connect to last byte. */
  timeoutMs: number;
  /** Response bytes read (and kept in the delivery log) per attempt; the rest is discarded. */
  responseLimitBytes: number;
  /** Consecutive failures after which an endpoint's circuit opens (attempts fail fast until a probe succeeds). */
  breakerAfter: number;
  /** First cool-down of an open circuit; doubles with each failed probe up to one hour. */
  breakerCooldownSeconds: number;
  /** Consecutive failures after which an endpoint.failing event is written (once per failing spell). */
  failingAfter: number;
  /** Endpoints delivered to in parallel by one worker process. */
  concurrency: number;
  /** Messages sent to one endpoint in one go, in event order. */
  perEndpointBatch: number;
  /** Milliseconds a lane may spend sending before it hands the rest of its batch back (bounds the lease). */
  laneBudgetMs: number;
  /** Added to the lane budget and one timeout to make a claim's lease: how long a dead worker's messages wait before another sends them. */
  leaseGraceMs: number;
  /** Default overlap, in seconds, during which a rotated-out secret still signs. */
  rotationOverlapSeconds: number;
  /** Send to private, loopback and link-local addresses too (development only). */
  allowPrivate: boolean;
  /** CIDR ranges outbound requests may reach even though they are private, e.g. 10.1.2.0/24. */
  allowlist: string[];
}

export const DEFAULT_RETRY_SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 36000];

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function schedule(env: Env): number[] {
  const raw = env.OPENIB_WEBHOOK_RETRY_SCHEDULE;
  if (!raw) return DEFAULT_RETRY_SCHEDULE;
  const parts = raw.split(',').map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.length > 50 || parts.some((n) => !Number.isFinite(n) || n < 0 || n > 7 * 86400))
    throw new Error(
      `OPENIB_WEBHOOK_RETRY_SCHEDULE must be 1–50 comma-separated delays in seconds (0–604800), e.g. "0,5,300,1800", got "${raw}"`,
    );
  return parts;
}

function cidrs(env: Env): string[] {
  const list = (env.OPENIB_OUTBOUND_ALLOWLIST ?? '').split(/[\s,]+/).filter(Boolean);
  for (const cidr of list) {
    try {
      parseCidr(cidr);
    } catch (err) {
      throw new Error(`OPENIB_OUTBOUND_ALLOWLIST: ${(err as Error).message}; give CIDR ranges such as 10.1.2.0/24, fd00::/8`);
    }
  }
  return list;
}

export function loadWebhookSettings(env: Env): WebhookSettings {
  const allowPrivate = env.OPENIB_WEBHOOK_ALLOW_PRIVATE ?? '';
  if (allowPrivate && !/^(0|1|true|false|yes|no|on|off)$/i.test(allowPrivate))
    throw new Error(`OPENIB_WEBHOOK_ALLOW_PRIVATE must be 0 or 1, got "${allowPrivate}"`);
  return {
    retrySchedule: schedule(env),
    timeoutMs: int(env, 'OPENIB_WEBHOOK_TIMEOUT_MS', 15_000, 100),
    responseLimitBytes: int(env, 'OPENIB_WEBHOOK_RESPONSE_LIMIT_BYTES', 4096, 0),
    breakerAfter: int(env, 'OPENIB_WEBHOOK_BREAKER_AFTER', 5, 1),
    breakerCooldownSeconds: int(env, 'OPENIB_WEBHOOK_BREAKER_COOLDOWN_SECONDS', 60, 1),
    failingAfter: int(env, 'OPENIB_WEBHOOK_FAILING_AFTER', 5, 1),
    concurrency: int(env, 'OPENIB_WEBHOOK_CONCURRENCY', 16, 1),
    perEndpointBatch: int(env, 'OPENIB_WEBHOOK_ENDPOINT_BATCH', 100, 1),
    laneBudgetMs: int(env, 'OPENIB_WEBHOOK_LANE_BUDGET_MS', 5_000, 100),
    leaseGraceMs: int(env, 'OPENIB_WEBHOOK_LEASE_GRACE_SECONDS', 60, 1) * 1000,
    rotationOverlapSeconds: int(env, 'OPENIB_WEBHOOK_ROTATION_OVERLAP_SECONDS', 86_400, 0),
    allowPrivate: /^(1|true|yes|on)$/i.test(allowPrivate),
    allowlist: cidrs(env),
  };
}
