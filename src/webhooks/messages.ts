import type { Sql } from '../db/index.ts';
import { conflict, notFound } from '../shared/errors.ts';
import { Filters, type Page, type PageRequest, readPage } from '../shared/pagination.ts';
import { ENDPOINT_MATCHES_EVENT, MESSAGE_ID, notifyWorkers } from './fanout.ts';

/** One event for one endpoint: its delivery state. */
export interface MessageView {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  occurred_at: string;
  status: 'pending' | 'delivered' | 'dead' | 'discarded';
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  dead_at: string | null;
}

export interface AttemptView {
  id: number;
  message_id: string;
  endpoint_id: string;
  event_id: string;
  attempt: number;
  attempted_at: string;
  outcome: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_body: string | null;
}

const MESSAGE_COLUMNS = `id, endpoint_id, event_id::text, event_type, occurred_at, status, attempts,
  CASE WHEN status = 'pending' THEN next_attempt_at END AS next_attempt_at, last_status_code, last_error, created_at, delivered_at, dead_at`;
const ATTEMPT_COLUMNS =
  'seq AS id, message_id, endpoint_id, event_id::text, attempt, attempted_at, outcome, status_code, latency_ms, error, response_body';

export interface MessageFilter {
  endpoint_id?: string;
  event_id?: string;
  status?: MessageView['status'];
  event_type?: string;
  /** Only messages of this partner's postbacks. */
  partner_id?: string;
  kind?: 'webhook' | 'postback';
}

function messageFilters(q: MessageFilter): Filters {
  const f = new Filters();
  if (q.endpoint_id !== undefined) f.add('endpoint_id = ?', q.endpoint_id);
  if (q.event_id !== undefined) f.add('event_id = ?::uuid', q.event_id);
  if (q.status !== undefined) f.add('status = ?', q.status);
  if (q.event_type !== undefined) f.add('event_type = ?', q.event_type);
  if (q.partner_id !== undefined)
    f.add(`endpoint_id IN (SELECT id FROM webhook_endpoints WHERE kind = 'postback' AND partner_id = ?)`, q.partner_id);
  if (q.kind !== undefined) f.add('endpoint_id IN (SELECT id FROM webhook_endpoints WHERE kind = ?)', q.kind);
  return f;
}

export async function listMessages(db: Sql, q: MessageFilter, page: PageRequest): Promise<Page<MessageView>> {
  return readPage<MessageView>(db, 'webhook_messages', MESSAGE_COLUMNS, messageFilters(q), page);
}

export async function getMessage(db: Sql, id: string): Promise<MessageView> {
  const [row] = await db.query<MessageView>(`SELECT ${MESSAGE_COLUMNS} FROM webhook_messages WHERE id = $1`, [id]);
  if (!row) throw notFound(`Message ${id}`);
  return row;
}

export async function listAttempts(
  db: Sql,
  q: { message_id?: string; endpoint_id?: string; event_id?: string; partner_id?: string },
  page: PageRequest,
): Promise<Page<AttemptView>> {
  const f = new Filters();
  if (q.message_id !== undefined) f.add('message_id = ?', q.message_id);
  if (q.endpoint_id !== undefined) f.add('endpoint_id = ?', q.endpoint_id);
  if (q.event_id !== undefined) f.add('event_id = ?::uuid', q.event_id);
  if (q.partner_id !== undefined)
    f.add(`endpoint_id IN (SELECT id FROM webhook_endpoints WHERE kind = 'postback' AND partner_id = ?)`, q.partner_id);
  return readPage<AttemptView>(db, 'webhook_attempts', ATTEMPT_COLUMNS, f, page);
}

/** Sends one message again from its first attempt, with the same webhook-id. */
export async function replayMessage(db: Sql, id: string, now: Date): Promise<MessageView> {
  const current = await getMessage(db, id);
  if (current.status === 'pending') throw conflict('already_pending', `Message ${id} is already waiting to be sent.`);
  await replayWhere(db, now, 'id = $2', [id]);
  return getMessage(db, id);
}

// A replay says the receiver is expected to work again: an open circuit goes half-open, so the
// first replayed message is sent as the probe instead of failing fast.
const HALF_OPEN = `UPDATE webhook_endpoints SET circuit_open_until = NULL
  WHERE id IN (SELECT endpoint_id FROM replayed) AND circuit_open_until IS NOT NULL RETURNING 1`;

/** Resets messages to their first attempt, due now; `where` uses $2 onwards. Returns how many. */
async function replayWhere(db: Sql, now: Date, where: string, params: unknown[]): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(
    `WITH replayed AS (
       UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = $1, lease_id = NULL,
         delivered_at = NULL, dead_at = NULL
       WHERE status <> 'pending' AND ${where} RETURNING endpoint_id
     ), half_open AS (${HALF_OPEN})
     SELECT count(*)::int AS n FROM replayed`,
    [now.toISOString(), ...params],
  );
  if (n > 0) await notifyWorkers(db, 'replay');
  return n;
}

/** The dead letters named, or all of an endpoint's, back to the queue. */
export async function replayDeadLetters(db: Sql, now: Date, select: { ids?: string[]; endpoint_id?: string }): Promise<number> {
  return replayWhere(db, now, `status = 'dead' AND ($2::text[] IS NULL OR id = ANY ($2)) AND ($3::text IS NULL OR endpoint_id = $3)`, [
    select.ids ?? null,
    select.endpoint_id ?? null,
  ]);
}

/** Marks dead letters as dealt with: they leave the dead-letter list and are not sent. */
export async function discardDeadLetters(db: Sql, select: { ids?: string[]; endpoint_id?: string }): Promise<number> {
  const rows = await db.query(
    `UPDATE webhook_messages SET status = 'discarded'
     WHERE status = 'dead' AND ($1::text[] IS NULL OR id = ANY ($1)) AND ($2::text IS NULL OR endpoint_id = $2) RETURNING 1`,
    [select.ids ?? null, select.endpoint_id ?? null],
  );
  return rows.length;
}

/**
 * Sends an endpoint every matching event that happened in [since, until) again: events it never
 * had a message for (it was disabled, or did not exist yet) get one; dead and discarded messages
 * are queued again, and delivered ones too when includeDelivered. Webhook-ids stay the same.
 */
export async function replaySince(
  db: Sql,
  endpointId: string,
  opts: { since: string; until?: string; includeDelivered: boolean; now: Date },
): Promise<{ created: number; requeued: number }> {
  const [row] = await db.query<{ created: number; requeued: number; found: boolean }>(
    `WITH made AS (
       INSERT INTO webhook_messages (id, endpoint_id, event_id, event_seq, event_type, occurred_at, next_attempt_at)
       SELECT ${MESSAGE_ID}, ep.id, e.event_id, e.id, e.type, e.occurred_at, $4::timestamptz
       FROM webhook_endpoints ep JOIN events e ON e.occurred_at >= $2::timestamptz AND ($3::timestamptz IS NULL OR e.occurred_at < $3)
         AND ${ENDPOINT_MATCHES_EVENT}
       WHERE ep.id = $1
       ON CONFLICT (endpoint_id, event_id) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = EXCLUDED.next_attempt_at,
         lease_id = NULL, delivered_at = NULL, dead_at = NULL
       WHERE webhook_messages.status IN ('dead', 'discarded') OR ($5 AND webhook_messages.status = 'delivered')
       RETURNING (xmax = 0) AS created, endpoint_id
     ), replayed AS (SELECT endpoint_id FROM made), half_open AS (${HALF_OPEN})
     SELECT count(*) FILTER (WHERE created)::int AS created, count(*) FILTER (WHERE NOT created)::int AS requeued,
       EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1) AS found FROM made`,
    [endpointId, opts.since, opts.until ?? null, opts.now.toISOString(), opts.includeDelivered],
  );
  if (!row.found) throw notFound(`Endpoint ${endpointId}`);
  if (row.created + row.requeued > 0) await notifyWorkers(db, 'replay');
  return { created: row.created, requeued: row.requeued };
}
