import { AppError, type FieldIssue, validationFailed } from '../shared/errors.ts';
import { type FieldSpec, normaliseRecord } from './fields.ts';

export const MAX_BATCH = 1000;

/** Accepts a JSON array of records or {"data": [...]}; anything else is a 422 naming the problem. */
export function readBatch(body: unknown): unknown[] {
  const records = Array.isArray(body)
    ? body
    : body && typeof body === 'object' && Array.isArray((body as { data?: unknown }).data)
      ? (body as { data: unknown[] }).data
      : undefined;
  if (!records)
    throw new AppError(422, 'validation_failed', 'The body must be a JSON array of records, or an object {"data": [...]}.', [
      { field: '(body)', reason: 'must be an array of records' },
    ]);
  if (records.length === 0)
    throw new AppError(422, 'validation_failed', 'The batch is empty; send between 1 and 1000 records.', [
      { field: '(body)', reason: 'must contain at least one record' },
    ]);
  if (records.length > MAX_BATCH)
    throw new AppError(422, 'batch_too_large', `A batch may hold at most ${MAX_BATCH} records; this one has ${records.length}. Split it.`, [
      { field: '(body)', reason: `must contain at most ${MAX_BATCH} records` },
    ]);
  return records;
}

/**
 * Validates every record of a batch and refuses the whole batch if any record fails, listing all
 * failures (with `unknown: 'refuse'`, fields the record type does not have are failures too). Two records with the same key in one batch are refused too: the outcome would depend
 * on their order.
 */
export function validateBatch<T>(
  specs: readonly FieldSpec[],
  raws: unknown[],
  keyOf: (r: T) => string,
  keyName: string,
  check?: (record: T, index: number) => FieldIssue[],
  opts: { unknown?: 'refuse' | 'ignore' } = {},
): T[] {
  const issues: FieldIssue[] = [];
  const records: T[] = [];
  const firstIndexOfKey = new Map<string, number>();
  raws.forEach((raw, index) => {
    const result = normaliseRecord<T>(specs, raw, index, opts);
    if (!result.record) {
      issues.push(...result.issues);
      return;
    }
    if (check) issues.push(...check(result.record, index));
    const key = keyOf(result.record);
    const first = firstIndexOfKey.get(key);
    if (first !== undefined) issues.push({ index, field: keyName, reason: `repeats the record at index ${first}; send one record per ${keyName}` });
    else firstIndexOfKey.set(key, index);
    records.push(result.record);
  });
  if (issues.length) throw validationFailed(issues);
  return records;
}

/** Per-record result of a stored batch, in request order. */
export type Outcome = 'created' | 'updated' | 'unchanged';

export interface BatchResult {
  data: { index: number; id: string; outcome: Outcome }[];
  meta: { received: number; created: number; updated: number; unchanged: number };
}

export function summarise(ids: string[], outcomeOf: (id: string) => Outcome): BatchResult {
  const data = ids.map((id, index) => ({ index, id, outcome: outcomeOf(id) }));
  const count = (o: Outcome) => data.filter((d) => d.outcome === o).length;
  return { data, meta: { received: ids.length, created: count('created'), updated: count('updated'), unchanged: count('unchanged') } };
}
