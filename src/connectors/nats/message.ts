import { AppError, validationFailed } from '../../shared/errors.ts';
import { type EntityName, entityNamed } from '../entities.ts';

/*
 * A queue message is one record {entity, record} or a batch envelope
 * {metadata: {source, batch_id, entity}, data: [...]}. When neither names the entity, the last
 * token of the subject does (openib.ingest.deals → deal).
 */

export interface FeedMessage {
  entity: EntityName;
  records: unknown[];
  /** Identity of the batch, when the producer gave one: a batch applied before is skipped. */
  batchId?: string;
  source: string;
}

const MAX_RECORDS = 10_000;

export function parseFeedMessage(data: Uint8Array, subject: string): FeedMessage {
  const text = new TextDecoder().decode(data);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new AppError(422, 'invalid_json', `The message is not valid JSON: ${(err as Error).message}.`, [{ field: '(message)', reason: 'must be JSON' }]);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw validationFailed([{ field: '(message)', reason: 'must be an object {entity, record} or {metadata, data}' }]);
  const b = body as { entity?: unknown; record?: unknown; records?: unknown; metadata?: Record<string, unknown>; data?: unknown };
  const named = b.entity ?? b.metadata?.entity ?? subject.split('.').at(-1);
  const entity = entityNamed(named);
  if (!entity) throw validationFailed([{ field: 'entity', reason: `"${String(named).slice(0, 100)}" is not an entity OpenIB knows (customer, transaction, activity, deal, trading_account)` }]);
  const records = Array.isArray(b.data) ? b.data : Array.isArray(b.records) ? b.records : b.record !== undefined ? [b.record] : undefined;
  if (!records || records.length === 0) throw validationFailed([{ field: 'data', reason: 'must hold at least one record (data: [...] or record: {...})' }]);
  if (records.length > MAX_RECORDS) throw validationFailed([{ field: 'data', reason: `must hold at most ${MAX_RECORDS} records; split the batch` }]);
  const batchId = b.metadata?.batch_id;
  const source = b.metadata?.source;
  return {
    entity,
    records,
    batchId: typeof batchId === 'string' || typeof batchId === 'number' ? String(batchId) : undefined,
    source: typeof source === 'string' && source ? source.slice(0, 100) : 'queue',
  };
}
