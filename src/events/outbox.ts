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
