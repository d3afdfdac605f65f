import type { Database, Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { AppError, type FieldIssue, notFound } from '../shared/errors.ts';

/*
 * One list of everything an adapter could not apply. A payload is either records of an entity
 * ({kind: "records"}) or a source event still to be mapped ({kind: "event"}); a retry runs it
 * through the same path again, so fixing the data, the mapping or the missing customer and
 * retrying is enough.
 */

export type DeadPayload =
  | { kind: 'records'; entity: string; records: unknown[] }
  | { kind: 'event'; mapping: string; event: unknown }
  | { kind: 'raw'; body: string };

export interface NewDeadLetter {
  source: string;
  entity?: string;
  /** The event id / batch id when the source has one: a redelivery adds an attempt instead of a row. */
  eventKey?: string;
  payload: DeadPayload;
  error: string;
  details?: FieldIssue[];
}

export interface DeadLetter {
  id: number;
  source: string;
  entity: string | null;
  event_key: string | null;
  payload: DeadPayload;
  error: string;
  details: FieldIssue[] | null;
  attempts: number;
  status: 'open' | 'resolved' | 'discarded';
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'id, source, entity, event_key, payload, error, details, attempts, status, created_at, updated_at';

/** Adds dead letters in the caller's transaction, with one connector.dead_lettered event each. */
export async function addDeadLetters(tx: Sql, letters: NewDeadLetter[]): Promise<number[]> {
  const ids: number[] = [];
  for (const l of letters) {
    const [row] = await tx.query<{ id: number; attempts: number }>(
      `INSERT INTO connector_dead_letters (source, entity, event_key, payload, error, details)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb)
       ON CONFLICT (source, event_key) WHERE status = 'open' AND event_key IS NOT NULL
       DO UPDATE SET attempts = connector_dead_letters.attempts + 1, error = EXCLUDED.error, details = EXCLUDED.details,
                     payload = EXCLUDED.payload, updated_at = now()
       RETURNING id, attempts`,
      [l.source, l.entity ?? null, l.eventKey ?? null, JSON.stringify(l.payload), l.error.slice(0, 2000), l.details ? JSON.stringify(l.details.slice(0, 100)) : null],
    );
    ids.push(row.id);
    await appendEvents(tx, [
      {
        type: 'connector.dead_lettered',
        subjectType: 'dead_letter',
        subjectId: String(row.id),
        data: { source: l.source, entity: l.entity ?? null, event_key: l.eventKey ?? null, error: l.error.slice(0, 500), attempts: row.attempts },
      },
    ]);
  }
  return ids;
}

/** An event that failed before and has now been applied closes its dead letter. */
export async function resolveDeadLetter(tx: Sql, source: string, eventKey: string): Promise<void> {
  await tx.query(
    `UPDATE connector_dead_letters SET status = 'resolved', updated_at = now() WHERE source = $1 AND event_key = $2 AND status = 'open'`,
    [source, eventKey],
  );
}

export async function listDeadLetters(db: Sql, filter: { status?: string; source?: string; afterId?: number; limit: number }): Promise<DeadLetter[]> {
  return db.query<DeadLetter>(
    `SELECT ${COLUMNS} FROM connector_dead_letters
     WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR source = $2) AND id > $3 ORDER BY id LIMIT $4`,
    [filter.status ?? null, filter.source ?? null, filter.afterId ?? 0, filter.limit],
  );
}

export async function getDeadLetter(db: Sql, id: number): Promise<DeadLetter> {
  const [row] = await db.query<DeadLetter>(`SELECT ${COLUMNS} FROM connector_dead_letters WHERE id = $1`, [id]);
  if (!row) throw notFound(`Dead letter ${id}`);
  return row;
}

export async function discardDeadLetter(db: Sql, id: number): Promise<DeadLetter> {
  const row = await getDeadLetter(db, id);
  if (row.status !== 'open') throw new AppError(409, 'dead_letter_closed', `Dead letter ${id} is already ${row.status}.`);
  const [updated] = await db.query<DeadLetter>(
    `UPDATE connector_dead_letters SET status = 'discarded', updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
    [id],
  );
  return updated;
}

/**
 * Runs a dead letter's payload through `apply` again. Success resolves it in the same transaction
 * as the write; failure counts an attempt and keeps the latest reason.
 */
export async function retryDeadLetter(
  db: Database,
  id: number,
  apply: (tx: Sql, letter: DeadLetter) => Promise<unknown>,
): Promise<{ letter: DeadLetter; ok: boolean }> {
  const letter = await getDeadLetter(db, id);
  if (letter.status !== 'open') throw new AppError(409, 'dead_letter_closed', `Dead letter ${id} is already ${letter.status}.`);
  try {
    await db.transaction(async (tx) => {
      await apply(tx, letter);
      await tx.query(`UPDATE connector_dead_letters SET status = 'resolved', attempts = attempts + 1, updated_at = now() WHERE id = $1`, [id]);
    });
    return { letter: await getDeadLetter(db, id), ok: true };
  } catch (err) {
    const details = err instanceof AppError ? (err.details ?? null) : null;
    await db.query(
      `UPDATE connector_dead_letters SET attempts = attempts + 1, error = $2, details = $3::jsonb, updated_at = now() WHERE id = $1`,
      [id, (err as Error).message.slice(0, 2000), details ? JSON.stringify(details) : null],
    );
    return { letter: await getDeadLetter(db, id), ok: false };
  }
}
