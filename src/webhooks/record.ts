import type { Database, Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import type { ClaimedMessage, Lane } from './claim.ts';
import type { AttemptResult } from './deliver.ts';
import { cooldownSeconds, nextAttemptAt } from './schedule.ts';

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

async function logAttempts(tx: Sql, attempts: AttemptResult[]) {
  await tx.query(
    `INSERT INTO webhook_attempts (message_id, endpoint_id, event_id, attempt, attempted_at, outcome, status_code, latency_ms, error, response_body)
     SELECT * FROM unnest($1::text[], $2::text[], $3::uuid[], $4::int[], $5::timestamptz[], $6::text[], $7::int[], $8::int[], $9::text[], $10::text[])`,
    [
      attempts.map((a) => a.message.id),
      attempts.map((a) => a.message.endpoint_id),
      attempts.map((a) => a.message.event_id),
      attempts.map((a) => a.message.attempts + 1),
      attempts.map((a) => a.attemptedAt.toISOString()),
      attempts.map((a) => a.outcome),
      attempts.map((a) => a.statusCode),
      attempts.map((a) => a.latencyMs),
      attempts.map((a) => storable(a.error)),
      attempts.map((a) => storable(a.responseBody)),
    ],
  );
}

/** Moves each attempted message on: delivered, due again later, or dead after its last attempt. */
async function advanceMessages(tx: Sql, lane: Lane, attempts: AttemptResult[], unsent: ClaimedMessage[], opts: RecordOptions) {
  const rows = attempts.map((a) => {
    const attempt = a.message.attempts + 1;
    const next = a.outcome === 'delivered' ? undefined : nextAttemptAt(opts.schedule, attempt, a.attemptedAt, a.retryAfterSeconds, opts.random);
    const status = a.outcome === 'delivered' ? 'delivered' : next ? 'pending' : 'dead';
    return { id: a.message.id, status, attempt, next: (next ?? a.attemptedAt).toISOString(), at: a.attemptedAt.toISOString(), a };
  });
  // Only while this claim still holds the message: a claim that outlived its lease lost it to another worker.
  await tx.query(
    `UPDATE webhook_messages m SET status = r.status, attempts = r.attempt, next_attempt_at = r.next_at, lease_id = NULL,
       last_status_code = r.code, last_error = r.error,
       delivered_at = CASE WHEN r.status = 'delivered' THEN r.at END, dead_at = CASE WHEN r.status = 'dead' THEN r.at END
     FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::int[], $7::text[])
       AS r(id, status, attempt, next_at, at, code, error)
     WHERE m.id = r.id AND m.lease_id = $8`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.status),
      rows.map((r) => r.attempt),
      rows.map((r) => r.next),
      rows.map((r) => r.at),
      rows.map((r) => r.a.statusCode),
      rows.map((r) => storable(r.a.error)),
      lane.leaseId,
    ],
  );
  if (unsent.length)
    await tx.query('UPDATE webhook_messages SET lease_id = NULL, next_attempt_at = $2 WHERE id = ANY ($1::text[]) AND lease_id = $3', [
      unsent.map((m) => m.id),
      opts.now.toISOString(),
      lane.leaseId,
    ]);
}

/**
 * Updates the endpoint's health from the attempts that reached (or tried to reach) it: the count
 * of consecutive failures, the circuit, a pause asked for with Retry-After, disabling on 410, and
 * one endpoint.failing event when a failing spell reaches failingAfter.
 */
async function updateHealth(tx: Sql, lane: Lane, attempts: AttemptResult[], opts: RecordOptions) {
  const counted = attempts.filter((a) => a.countsForHealth);
  if (counted.length === 0) return;
  let reset = false;
  let failures = 0;
  for (const a of counted) {
    if (a.outcome === 'delivered') {
      reset = true;
      failures = 0;
    } else failures++;
  }
  const last = counted[counted.length - 1];
  const lastFailure = [...counted].reverse().find((a) => a.outcome !== 'delivered');
  const [endpoint] = await tx.query<{ consecutive_failures: number; failing_since: string | null; kind: string; partner_id: string | null; url: string }>(
    `UPDATE webhook_endpoints SET consecutive_failures = CASE WHEN $2 THEN $3 ELSE consecutive_failures + $3 END,
       last_success_at = CASE WHEN $2 THEN $4::timestamptz ELSE last_success_at END,
       last_failure_at = coalesce($5::timestamptz, last_failure_at), updated_at = now()
     WHERE id = $1 RETURNING consecutive_failures, failing_since, kind, partner_id, url`,
    [lane.endpoint.id, reset, failures, opts.now.toISOString(), lastFailure?.attemptedAt.toISOString() ?? null],
  );
  if (!endpoint) return;
  const total = endpoint.consecutive_failures;
  const now = opts.now.getTime();
  const circuit = total >= opts.breakerAfter ? new Date(now + cooldownSeconds(total, opts.breakerAfter, opts.breakerCooldownSeconds) * 1000) : null;
  const pause = last.outcome !== 'delivered' && last.retryAfterSeconds ? new Date(now + last.retryAfterSeconds * 1000) : null;
  const startsFailing = total >= opts.failingAfter && endpoint.failing_since === null;
  const gone = counted.some((a) => a.outcome === 'gone');
  await tx.query(
    `UPDATE webhook_endpoints SET circuit_open_until = $2::timestamptz, paused_until = $3::timestamptz,
       failing_since = CASE WHEN consecutive_failures = 0 THEN NULL WHEN $4 THEN $5::timestamptz ELSE failing_since END,
       enabled = enabled AND NOT $6,
       disabled_reason = CASE WHEN $6 THEN 'the receiver answered 410 Gone' ELSE disabled_reason END
     WHERE id = $1`,
    [lane.endpoint.id, circuit?.toISOString() ?? null, pause?.toISOString() ?? null, startsFailing, opts.now.toISOString(), gone],
  );
  if (startsFailing)
    await appendEvents(tx, [
      {
        type: 'endpoint.failing',
        subjectType: 'webhook_endpoint',
        subjectId: lane.endpoint.id,
        data: {
          endpoint_id: lane.endpoint.id,
          kind: endpoint.kind,
          ...(endpoint.partner_id ? { owner_partner_id: endpoint.partner_id } : {}),
          host: new URL(endpoint.url.replace(/\{[^{}]*\}/g, 'x')).host,
          consecutive_failures: total,
          last_error: lastFailure?.error ?? null,
        },
      },
    ]);
}

/** Writes a lane's outcome in one transaction: the delivery log, the messages, the endpoint. */
export async function recordLane(
  db: Database,
  lane: Lane,
  result: { attempts: AttemptResult[]; unsent: ClaimedMessage[] },
  opts: RecordOptions,
): Promise<void> {
  await db.transaction(async (tx) => {
    if (result.attempts.length) await logAttempts(tx, result.attempts);
    await advanceMessages(tx, lane, result.attempts, result.unsent, opts);
    await updateHealth(tx, lane, result.attempts, opts);
  });
}
