import type { Database, Sql } from '../db/index.ts';
import { OUTBOX_HORIZON } from '../events/outbox.ts';

/**
 * Which endpoints an event goes to, as SQL over `e` (events) and `ep` (webhook_endpoints). A webhook
 * takes its listed types (or all); a postback takes its one type, and only for events naming its
 * partner in data.partner_id, so events without a partner never reach a postback.
 */
export const ENDPOINT_MATCHES_EVENT = `(ep.event_types IS NULL OR e.type = ANY (ep.event_types))
  AND (ep.kind = 'webhook' OR (e.data ->> 'partner_id') = ep.partner_id)`;

/** The webhook-id of the message for one event and endpoint: derived, so it is the same however often it is made. */
export const MESSAGE_ID = `'msg_' || substr(encode(sha256(convert_to(e.event_id::text || '/' || ep.id, 'UTF8')), 'hex'), 1, 32)`;

/**
 * Reads the next events from the outbox in commit order and makes one message per enabled,
 * matching endpoint. One process at a time moves the position (the others skip the locked row);
 * a crash before commit leaves the position where it was and the unique (endpoint, event) key
 * absorbs the repeat. Returns how many events were read.
 */
export interface FanOutResult {
  /** Events read. */
  read: number;
  /** Messages made from them. */
  made: number;
  /**
   * Committed events exist that could not be read yet: a transaction that started earlier is still
   * open somewhere on the server (the snapshot horizon is server-wide). They are read once it ends.
   */
  heldBack: boolean;
}

export const MESSAGES_CHANNEL = 'openib_webhook_messages';

/** Tells worker processes that messages are due now (after a replay or when an endpoint is enabled). */
export async function notifyWorkers(db: Sql, reason: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [MESSAGES_CHANNEL, reason]);
}

export async function fanOut(db: Database, now: Date, limit = 500): Promise<FanOutResult> {
  return db.transaction(async (tx) => {
    const [position] = await tx.query<{ last_txid: string; last_event_id: number }>(
      'SELECT last_txid::text, last_event_id FROM webhook_fanout WHERE id = 1 FOR UPDATE SKIP LOCKED',
    );
    if (!position) {
      // Another process is reading the outbox; say whether anything is left for it to read.
      const [{ waiting }] = await tx.query<{ waiting: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM events e, webhook_fanout f WHERE (e.txid, e.id) > (f.last_txid, f.last_event_id)) AS waiting`,
      );
      return { read: 0, made: 0, heldBack: waiting };
    }
    const [result] = await tx.query<{ read: number; made: number; last_txid: string | null; last_id: number | null }>(
      `WITH batch AS (
         SELECT id, txid, event_id, type, occurred_at, data FROM events
         WHERE (txid, id) > ($1::xid8, $2::bigint) AND txid < ${OUTBOX_HORIZON}
         ORDER BY txid, id LIMIT $3
       ), made AS (
         INSERT INTO webhook_messages (id, endpoint_id, event_id, event_seq, event_type, occurred_at, next_attempt_at)
         SELECT ${MESSAGE_ID}, ep.id, e.event_id, e.id, e.type, e.occurred_at, $4::timestamptz
         FROM batch e JOIN webhook_endpoints ep ON ep.enabled AND ${ENDPOINT_MATCHES_EVENT}
         ON CONFLICT (endpoint_id, event_id) DO NOTHING
         RETURNING 1
       ), last AS (SELECT txid, id FROM batch ORDER BY txid DESC, id DESC LIMIT 1)
       SELECT (SELECT count(*) FROM batch)::int AS read, (SELECT count(*) FROM made)::int AS made,
              (SELECT txid::text FROM last) AS last_txid, (SELECT id FROM last) AS last_id`,
      [position.last_txid, position.last_event_id, limit, now.toISOString()],
    );
    const txid = result.last_txid ?? position.last_txid;
    const id = result.last_id ?? position.last_event_id;
    if (result.read > 0)
      await tx.query('UPDATE webhook_fanout SET last_txid = $1::xid8, last_event_id = $2, updated_at = now() WHERE id = 1', [txid, id]);
    // Wakes every worker process, not only this one, so they share the sending.
    if (result.made > 0) await tx.query('SELECT pg_notify($1, $2)', [MESSAGES_CHANNEL, String(result.made)]);
    const [{ waiting }] = await tx.query<{ waiting: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM events WHERE (txid, id) > ($1::xid8, $2::bigint)) AS waiting',
      [txid, id],
    );
    return { read: result.read, made: result.made, heldBack: waiting && result.read < limit };
  });
}
