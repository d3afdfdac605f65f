import type { Database, Sql } from '../../db/index.ts';
import type { BatchResult } from '../../ingest/batch.ts';
import { AppError, type FieldIssue, validationFailed } from '../../shared/errors.ts';
import { applyStrict } from '../apply.ts';
import { addDeadLetters, type DeadPayload, resolveDeadLetter } from '../dead-letters.ts';
import type { EntityName, WriteOptions } from '../entities.ts';
import { mapEvent } from '../mapping/apply.ts';
import type { Mapping } from '../mapping/schema.ts';

/*
 * What every push door shares: an event arrives with an identity (event id, postback key), it is
 * applied at most once per (source, identity), and a refused event lands in the dead letters with
 * its reasons while the sender hears 422.
 */

export interface Received {
  status: 'accepted' | 'duplicate' | 'ignored';
  event_type?: string;
  event_id?: string;
  entity?: EntityName;
  result?: BatchResult;
}

/** Records (source, key) and runs `apply` once: a key seen before answers what it answered then. */
export async function oncePerKey(tx: Sql, source: string, key: string, apply: () => Promise<Received>): Promise<Received> {
  const claimed = await tx.query(`INSERT INTO connector_received (source, event_key, result) VALUES ($1, $2, '{}'::jsonb) ON CONFLICT DO NOTHING RETURNING 1`, [
    source,
    key,
  ]);
  if (claimed.length === 0) {
    const [row] = await tx.query<{ result: Received }>('SELECT result FROM connector_received WHERE source = $1 AND event_key = $2', [source, key]);
    return { ...row.result, status: 'duplicate' };
  }
  const received = await apply();
  await tx.query('UPDATE connector_received SET result = $3::jsonb WHERE source = $1 AND event_key = $2', [source, key, JSON.stringify(received)]);
  await resolveDeadLetter(tx, source, key);
  return received;
}

/** Maps an event with a mapping and applies it, all or nothing, in the caller's transaction. */
export async function applyMappedEvent(tx: Sql, mapping: Mapping, payload: unknown, opts: WriteOptions): Promise<Received> {
  const mapped = mapEvent(mapping, payload);
  if (mapped.status === 'ignored') return { status: 'ignored', event_type: mapped.type, event_id: mapped.id };
  if (mapped.status === 'unknown')
    throw validationFailed([{ field: mapping.event_type_path ?? 'type', reason: `"${mapped.type}" is not an event type mapping "${mapping.name}" knows` }]);
  if (mapped.issues.length) throw validationFailed(mapped.issues);
  if (mapped.records.length === 0) return { status: 'ignored', event_type: mapped.type, event_id: mapped.id };
  const result = await applyStrict(tx, mapped.entity, mapped.records, opts);
  return { status: 'accepted', event_type: mapped.type, event_id: mapped.id, entity: mapped.entity, result };
}

export interface Delivery {
  /** "inbound:<source id>" or "postback:<source id>": the namespace of keys and dead letters. */
  source: string;
  sourceId: string;
  key: string;
  entity?: string;
  payload: DeadPayload;
  run: (tx: Sql) => Promise<Received>;
}

/**
 * Applies one delivery in its own transaction, counts it on the source, and on a 422 files a
 * dead letter (one per key, its attempts counted) before passing the error on.
 */
export async function deliver(db: Database, d: Delivery): Promise<Received> {
  try {
    return await db.transaction(async (tx) => {
      const received = await oncePerKey(tx, d.source, d.key, () => d.run(tx));
      const stored = received.status === 'accepted' ? (received.result?.meta.received ?? 0) : 0;
      await tx.query(
        'UPDATE connector_sources SET events_in = events_in + 1, records_in = records_in + $2, last_event_at = now(), updated_at = now() WHERE id = $1',
        [d.sourceId, stored],
      );
      return received;
    });
  } catch (err) {
    if (err instanceof AppError && err.status === 422) {
      await db.transaction(async (tx) => {
        await addDeadLetters(tx, [{ source: d.source, entity: d.entity, eventKey: d.key, payload: d.payload, error: err.message, details: err.details as FieldIssue[] | undefined }]);
        await tx.query(
          'UPDATE connector_sources SET events_in = events_in + 1, records_rejected = records_rejected + 1, last_event_at = now(), last_error = $2, updated_at = now() WHERE id = $1',
          [d.sourceId, summarise(err)],
        );
      });
    }
    throw err;
  }
}

function summarise(err: AppError): string {
  const first = err.details?.[0];
  return (first ? `${err.message} First: ${first.field} ${first.reason}` : err.message).slice(0, 1000);
}
