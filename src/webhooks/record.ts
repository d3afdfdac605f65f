import type { Database } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import type { ClaimedMessage, Lane } from './claim.ts';
import type { AttemptResult } from './deliver.ts';
import { MAX_COOLDOWN_SECONDS, nextAttemptAt } from './schedule.ts';

export interface RecordOptions {
  now: Date;
  schedule: readonly number[];
  breakerAfter: number;
  breakerCooldownSeconds: number;
  failingAfter: number;
  random?: () => number;
}

// Postgres text cannot hold NUL; a receiver's answer may.
const storable = (text: string | null) => (text === null ? null : text.replaceAll('\u0000', ''));

/** Where each attempted message goes next: delivered, due again later, or dead after its last attempt. */
function nextStates(attempts: AttemptResult[], opts: RecordOptions) {
  return attempts.map((a) => {
    const attempt = a.message.attempts + 1;
    const next = a.outcome === 'delivered' ? undefined : nextAttemptAt(opts.schedule, attempt, a.attemptedAt, a.retryAfterSeconds, opts.random);
    const status = a.outcome === 'delivered' ? 'delivered' : next ? 'pending' : 'dead';
    return { status, next: (next ?? a.attemptedAt).toISOString() };
  });
}

/**
 * What the lane says about the endpoint's health. Only attempts that reached (or tried to reach)
 * it count, not the fail-fast ones of an open circuit. The endpoint's new failure count is
 * `reset ? failures : current + failures`.
 */
function healthOf(attempts: AttemptResult[]) {
  const counted = attempts.filter((a) => a.countsForHealth);
  let reset = false;
  let failures = 0;
  for (const a of counted) {
    if (a.outcome === 'delivered') {
      reset = true;
      failures = 0;
    } else failures++;
  }
  const last = counted.at(-1);
  return {
    counts: counted.length > 0,
    reset,
    failures,
    lastFailure: counted.findLast((a) => a.outcome !== 'delivered'),
    pauseSeconds: last && last.outcome !== 'delivered' ? (last.retryAfterSeconds ?? null) : null,
    gone: counted.some((a) => a.outcome === 'gone'),
  };
}

// The endpoint's failure count after this lane, as SQL over the row being updated. From
// breakerAfter failures on, the circuit opens for the cool-down, doubled for each further failure
// (each failed probe), up to MAX_COOLDOWN_SECONDS.
const FAILURES = '(CASE WHEN $17 THEN $18 ELSE ep.consecutive_failures + $18 END)';

const OUTCOME = `WITH logged AS (
     INSERT INTO webhook_attempts (message_id, endpoint_id, event_id, attempt, attempted_at, outcome, status_code, latency_ms, error, response_body)
     SELECT r.id, $1, r.event_id, r.attempt, r.at, r.outcome, r.code, r.latency, r.error, r.body
     FROM unnest($2::text[], $3::uuid[], $4::int[], $5::timestamptz[], $6::text[], $7::int[], $8::int[], $9::text[], $10::text[])
       AS r(id, event_id, attempt, at, outcome, code, latency, error, body)
   ), advanced AS (
     UPDATE webhook_messages m SET status = r.status, attempts = r.attempt, next_attempt_at = r.next_at, lease_id = NULL,
       last_status_code = r.code, last_error = r.error,
       delivered_at = CASE WHEN r.status = 'delivered' THEN r.at END, dead_at = CASE WHEN r.status = 'dead' THEN r.at END
     FROM unnest($2::text[], $11::text[], $4::int[], $12::timestamptz[], $5::timestamptz[], $7::int[], $9::text[])
       AS r(id, status, attempt, next_at, at, code, error)
     WHERE m.id = r.id AND m.lease_id = $13
   ), released AS (
     UPDATE webhook_messages SET lease_id = NULL, next_attempt_at = $14 WHERE id = ANY ($15::text[]) AND lease_id = $13
   )
   UPDATE webhook_endpoints ep SET consecutive_failures = ${FAILURES},
     last_success_at = CASE WHEN $17 THEN $14::timestamptz ELSE ep.last_success_at END,
     last_failure_at = coalesce($19::timestamptz, ep.last_failure_at),
     circuit_open_until = CASE WHEN ${FAILURES} >= $20
       THEN $14::timestamptz + make_interval(secs => least($21::float8 * 2 ^ least(${FAILURES} - $20, 20), $25::float8)) END,
     paused_until = $14::timestamptz + make_interval(secs => $22),
     failing_since = CASE WHEN ${FAILURES} = 0 THEN NULL WHEN ${FAILURES} >= $23 THEN coalesce(ep.failing_since, $14::timestamptz)
       ELSE ep.failing_since END,
     failing_alerted_at = CASE WHEN ${FAILURES} = 0 THEN NULL ELSE ep.failing_alerted_at END,
     enabled = ep.enabled AND NOT $24,
     disabled_reason = CASE WHEN $24 THEN 'the receiver answered 410 Gone' ELSE ep.disabled_reason END,
     updated_at = now()
   WHERE ep.id = $1 AND $16
   RETURNING ep.failing_since IS NOT NULL AND ep.failing_alerted_at IS NULL AS alert_due`;

/**
 * Writes a lane's outcome in one statement: the delivery log, the messages (only while this claim
 * still holds them: a claim that outlived its lease lost them to another worker), the messages
 * handed back unsent, and the endpoint's health (failure count, circuit, Retry-After pause,
 * disabling on 410). Returns whether a failing spell awaits its alert.
 *
 * The commit does not wait for the disk: a server crash that loses it leaves the messages leased,
 * so they are sent again (same webhook-id) when the lease ends. At-least-once holds either way.
 */
async function writeOutcome(db: Database, lane: Lane, result: { attempts: AttemptResult[]; unsent: ClaimedMessage[] }, opts: RecordOptions) {
  const { attempts, unsent } = result;
  const states = nextStates(attempts, opts);
  const health = healthOf(attempts);
  const params = [
    lane.endpoint.id,
    attempts.map((a) => a.message.id),
    attempts.map((a) => a.message.event_id),
    attempts.map((a) => a.message.attempts + 1),
    attempts.map((a) => a.attemptedAt.toISOString()),
    attempts.map((a) => a.outcome),
    attempts.map((a) => a.statusCode),
    attempts.map((a) => a.latencyMs),
    attempts.map((a) => storable(a.error)),
    attempts.map((a) => storable(a.responseBody)),
    states.map((s) => s.status),
    states.map((s) => s.next),
    lane.leaseId,
    opts.now.toISOString(),
    unsent.map((m) => m.id),
    health.counts,
    health.reset,
    health.failures,
    health.lastFailure?.attemptedAt.toISOString() ?? null,
    opts.breakerAfter,
    opts.breakerCooldownSeconds,
    health.pauseSeconds,
    opts.failingAfter,
    health.gone,
    MAX_COOLDOWN_SECONDS,
  ];
  const [endpoint] = await db.transaction(async (tx) => {
    await tx.query('SET LOCAL synchronous_commit = off');
    return tx.query<{ alert_due: boolean }>(OUTCOME, params);
  });
  return { alertDue: endpoint?.alert_due ?? false, lastError: health.lastFailure?.error ?? null };
}

/**
 * Writes the endpoint.failing event of a failing spell once. Separate from the outcome so the
 * common case stays one statement; if a crash comes in between, the next failure raises it.
 */
async function raiseFailing(db: Database, endpointId: string, lastError: string | null, now: Date) {
  await db.transaction(async (tx) => {
    const [endpoint] = await tx.query<{ consecutive_failures: number; kind: string; partner_id: string | null; url: string }>(
      `UPDATE webhook_endpoints SET failing_alerted_at = $2
       WHERE id = $1 AND failing_since IS NOT NULL AND failing_alerted_at IS NULL
       RETURNING consecutive_failures, kind, partner_id, url`,
      [endpointId, now.toISOString()],
    );
    if (!endpoint) return;
    await appendEvents(tx, [
      {
        type: 'endpoint.failing',
        subjectType: 'webhook_endpoint',
        subjectId: endpointId,
        data: {
          endpoint_id: endpointId,
          kind: endpoint.kind,
          ...(endpoint.partner_id ? { owner_partner_id: endpoint.partner_id } : {}),
          host: new URL(endpoint.url.replace(/\{[^{}]*\}/g, 'x')).host,
          consecutive_failures: endpoint.consecutive_failures,
          last_error: lastError,
        },
      },
    ]);
  });
}

/** Records what happened to a lane; raises endpoint.failing when a failing spell reaches failingAfter. */
export async function recordLane(
  db: Database,
  lane: Lane,
  result: { attempts: AttemptResult[]; unsent: ClaimedMessage[] },
  opts: RecordOptions,
): Promise<void> {
  const outcome = await writeOutcome(db, lane, result, opts);
  if (outcome.alertDue) await raiseFailing(db, lane.endpoint.id, outcome.lastError, opts.now);
}
