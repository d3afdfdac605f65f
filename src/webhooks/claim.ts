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
 * Claims due messages of up to `lanes` endpoints. FOR UPDATE SKIP LOCKED lets any number of
 * workers claim side by side without taking the same message; the claim itself is the lease
 * (lease_id, and next_attempt_at moved to the lease's end). A half-open endpoint (enough failures,
 * cool-down over) gets one message, the probe.
 */
export async function claimLanes(db: Sql, opts: ClaimOptions): Promise<Lane[]> {
  const leaseId = randomUUID();
  const now = opts.now.toISOString();
  const rows = await db.query<ClaimedMessage>(
    `WITH candidates AS (
       SELECT m.id, m.endpoint_id, m.next_attempt_at, m.occurred_at, m.event_seq
       FROM webhook_messages m JOIN webhook_endpoints ep ON ep.id = m.endpoint_id
       WHERE m.status = 'pending' AND m.next_attempt_at <= $1::timestamptz
         AND ep.enabled AND (ep.paused_until IS NULL OR ep.paused_until <= $1::timestamptz)
         AND NOT (m.endpoint_id = ANY ($2::text[]))
       ORDER BY m.next_attempt_at, m.occurred_at, m.event_seq
       LIMIT $3
       FOR UPDATE OF m SKIP LOCKED
     ), ranked AS (
       SELECT c.id, c.endpoint_id, c.event_seq,
         row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.occurred_at, c.event_seq) AS n,
         min(c.next_attempt_at) OVER (PARTITION BY c.endpoint_id) AS lane_due,
         ep.consecutive_failures >= $6 AND coalesce(ep.circuit_open_until <= $1::timestamptz, true) AS half_open
       FROM candidates c JOIN webhook_endpoints ep ON ep.id = c.endpoint_id
     ), lanes AS (
       SELECT endpoint_id, row_number() OVER (ORDER BY min(lane_due), endpoint_id) AS lane FROM ranked GROUP BY endpoint_id
     ), chosen AS (
       SELECT r.id, r.event_seq FROM ranked r JOIN lanes l USING (endpoint_id)
       WHERE l.lane <= $4 AND r.n <= CASE WHEN r.half_open THEN 1 ELSE $5 END
     )
     UPDATE webhook_messages m SET lease_id = $7, next_attempt_at = $8::timestamptz
     FROM chosen c JOIN events e ON e.id = c.event_seq
     WHERE m.id = c.id
     RETURNING m.id, m.endpoint_id, m.event_seq, m.attempts, e.event_id::text, e.type, e.occurred_at, e.subject_type, e.subject_id, e.data`,
    [
      now,
      opts.busy,
      opts.lanes * opts.perEndpoint * 4,
      opts.lanes,
      opts.perEndpoint,
      opts.breakerAfter,
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
