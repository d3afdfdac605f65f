import type { Sql } from '../db/index.ts';

export interface NewEvent {
  type: string;
  subjectType: string;
  subjectId: string;
  data: Record<string, unknown>;
  occurredAt?: string;
}

/**
 * Appends domain events in the caller's transaction, so an event exists exactly when its change
 * was committed. One statement however many events.
 */
export async function appendEvents(tx: Sql, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO events (type, subject_type, subject_id, data, occurred_at)
     SELECT t.type, t.subject_type, t.subject_id, t.data::jsonb, coalesce(t.occurred_at, now())
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS t(type, subject_type, subject_id, data, occurred_at)`,
    [
      events.map((e) => e.type),
      events.map((e) => e.subjectType),
      events.map((e) => e.subjectId),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => e.occurredAt ?? null),
    ],
  );
  await tx.query(`SELECT pg_notify('openib_events', $1)`, [String(events.length)]);
}

export interface StoredEvent {
  id: number;
  event_id: string;
  type: string;
  occurred_at: string;
  subject_type: string;
  subject_id: string;
  data: Record<string, unknown>;
}

export async function listEvents(db: Sql, filter: { type?: string; afterId?: number; limit: number }): Promise<StoredEvent[]> {
  return db.query<StoredEvent>(
    `SELECT id, event_id, type, occurred_at, subject_type, subject_id, data FROM events
     WHERE ($1::text IS NULL OR type = $1) AND id > $2 ORDER BY id LIMIT $3`,
    [filter.type ?? null, filter.afterId ?? 0, filter.limit],
  );
}

/** The application_name prefix of a transaction that has declared it writes no events (see writesNoEvents). */
const NO_EVENTS = 'openib:writes-no-events:';

/**
 * Declares that this transaction will append no event, so outbox readers need not wait for it: a
 * long background transaction (a reporting rollup) then holds back no webhook and no commission
 * run. The declaration names the transaction's own id in its application_name, which readers see
 * in pg_stat_activity; the database refuses an event from a declared transaction (migration 0970),
 * so a declaration cannot hide an event. Call it first in the transaction.
 */
export async function writesNoEvents(tx: Sql): Promise<void> {
  await tx.query(`SELECT set_config('application_name', '${NO_EVENTS}' || pg_current_xact_id()::text, true)`);
}

/**
 * SQL expression: the first transaction id whose events may still be invisible. Outbox readers
 * read in commit order, (txid, id) after their position and txid below this horizon, so an event
 * of a transaction that commits later is never skipped.
 *
 * Transaction ids are shared by every database of a PostgreSQL server, so the plain snapshot xmin
 * would let any long transaction in another database (a report, a backup, another application)
 * hold every reader back. This horizon leaves out the in-progress transactions that the server
 * says run in another database: those can never write this database's events, nor the transactions
 * that declared they write none (writesNoEvents). Anything it cannot place (a prepared
 * transaction, a backend whose row it may not see) still holds the horizon.
 */
export const OUTBOX_HORIZON = `(WITH snap AS (SELECT pg_current_snapshot() AS s),
      elsewhere AS (SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity
                    WHERE backend_xid IS NOT NULL AND datid IS NOT NULL
                      AND datid <> (SELECT oid FROM pg_database WHERE datname = current_database())
                    UNION ALL
                    SELECT substring(application_name FROM '^${NO_EVENTS}([0-9]+)$')::bigint % 4294967296 FROM pg_stat_activity
                    WHERE application_name LIKE '${NO_EVENTS}%')
   SELECT coalesce(
     (SELECT min(x) FROM snap, pg_snapshot_xip(snap.s) AS x WHERE (x::text::bigint % 4294967296) NOT IN (SELECT xid FROM elsewhere)),
     (SELECT pg_snapshot_xmax(s) FROM snap)))`;
