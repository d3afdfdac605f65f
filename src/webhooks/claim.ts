import { randomUUID } from 'node:crypto';
import type { Sql } from '../db/index.ts';
import type { OutboxEvent } from './payload.ts';
import type { PostbackEvent } from './postback-template.ts';

/** A message claimed for sending, with its event. */
export interface ClaimedMessage extends OutboxEvent {
  id: string;
  endpoint_id: string;
  event_seq: number;
  /** Attempts made before this one. */
  attempts: number;
}

export interface LaneEndpoint {
  id: string;
  kind: 'webhook' | 'postback';
  url: string;
  method: 'GET' | 'POST';
  partner_id: string | null;
  postback_event: PostbackEvent | null;
  secret_sealed: string | null;
  previous_secret_sealed: string | null;
  previous_secret_expires_at: string | null;
  consecutive_failures: number;
  circuit_open_until: string | null;
}

/**
 * The messages of one endpoint claimed together, in event order. `open` lanes belong to an
 * endpoint whose circuit is open: their attempts fail at once without sending anything.
 */
export interface Lane {
  endpoint: LaneEndpoint;
  messages: ClaimedMessage[];
  leaseId: string;
  open: boolean;
}

export interface ClaimOptions {
  now: Date;
  /** Endpoints to claim for (free delivery slots). */
  lanes: number;
  perEndpoint: number;
  breakerAfter: number;
  /** How long the claim holds: past it, a message whose sender died is due again. */
  leaseMs: number;
  /** Endpoints this process is sending to already. */
  busy: string[];
}

/**
 * Claims due messages of up to `lanes` endpoints, the endpoints waiting longest first, each lane
 * the endpoint's earliest events. FOR UPDATE SKIP LOCKED lets any number of workers claim side by
 * side: a second worker skips the rows the first is locking and takes the next ones. The claim
 * itself is the lease (lease_id, and next_attempt_at moved to the lease's end). A half-open
 * endpoint (enough failures, cool-down over) gets one message, the probe.
 */
export async function claimLanes(db: Sql, opts: ClaimOptions): Promise<Lane[]> {
  const leaseId = randomUUID();
  const now = opts.now.toISOString();
  const rows = await db.query<ClaimedMessage>(
    `WITH waiting AS (
       -- One index probe per endpoint (webhook_messages_next_idx): cheap however long the queue.
       SELECT ep.id AS endpoint_id, d.first_due,
         ep.consecutive_failures >= $4 AND coalesce(ep.circuit_open_until <= $1::timestamptz, true) AS half_open
       FROM webhook_endpoints ep
       CROSS JOIN LATERAL (
         SELECT min(m.next_attempt_at) AS first_due FROM webhook_messages m WHERE m.endpoint_id = ep.id AND m.status = 'pending'
       ) d
       WHERE ep.enabled AND (ep.paused_until IS NULL OR ep.paused_until <= $1::timestamptz)
         AND NOT (ep.id = ANY ($2::text[])) AND d.first_due <= $1::timestamptz
       ORDER BY d.first_due, ep.id
       LIMIT $3 * 2
     ), picked AS (
       SELECT w.endpoint_id, w.first_due, x.id, x.event_seq
       FROM waiting w CROSS JOIN LATERAL (
         SELECT m.id, m.event_seq FROM webhook_messages m
         WHERE m.endpoint_id = w.endpoint_id AND m.status = 'pending' AND m.next_attempt_at <= $1::timestamptz
         ORDER BY m.occurred_at, m.event_seq
         LIMIT CASE WHEN w.half_open THEN 1 ELSE $5 END
         FOR UPDATE SKIP LOCKED
       ) x
     ), lanes AS (
       SELECT endpoint_id FROM picked GROUP BY endpoint_id ORDER BY min(first_due), endpoint_id LIMIT $3
     )
     UPDATE webhook_messages m SET lease_id = $6, next_attempt_at = $7::timestamptz
     FROM picked p JOIN lanes l USING (endpoint_id) JOIN events e ON e.id = p.event_seq
     WHERE m.id = p.id
     RETURNING m.id, m.endpoint_id, m.event_seq, m.attempts, e.event_id::text, e.type, e.occurred_at, e.subject_type, e.subject_id, e.data`,
    [
      now,
      opts.busy,
      opts.lanes,
      opts.breakerAfter,
      opts.perEndpoint,
      leaseId,
      new Date(opts.now.getTime() + opts.leaseMs).toISOString(),
    ],
  );
  if (rows.length === 0) return [];
  const endpoints = await db.query<LaneEndpoint>(
    `SELECT id, kind, url, method, partner_id, postback_event, secret_sealed, previous_secret_sealed, previous_secret_expires_at,
       consecutive_failures, circuit_open_until
     FROM webhook_endpoints WHERE id = ANY ($1::text[])`,
    [[...new Set(rows.map((r) => r.endpoint_id))]],
  );
  const byEndpoint = new Map<string, ClaimedMessage[]>();
  for (const row of rows) byEndpoint.set(row.endpoint_id, [...(byEndpoint.get(row.endpoint_id) ?? []), row]);
  return endpoints.map((endpoint) => ({
    endpoint,
    leaseId,
    open: endpoint.circuit_open_until !== null && endpoint.circuit_open_until > now,
    messages: (byEndpoint.get(endpoint.id) ?? []).sort((a, b) =>
      a.occurred_at === b.occurred_at ? a.event_seq - b.event_seq : a.occurred_at < b.occurred_at ? -1 : 1,
    ),
  }));
}
