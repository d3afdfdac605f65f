import type { Sql } from '../db/index.ts';
import { type BatchResult, validateBatch } from '../ingest/batch.ts';
import { storedCustomerKeys } from '../ingest/customers.ts';
import { AppError, type FieldIssue } from '../shared/errors.ts';
import { ENTITIES, type EntityName, type WriteOptions } from './entities.ts';

/*
 * The one way a connector writes: validate with the data API's field specs, then call the ingest
 * function of the entity, in the caller's transaction. Adapters only turn their payloads into
 * these raw records.
 */

type Raw = Record<string, unknown>;

/**
 * A customer update from a CRM event often carries only the field that changed (a KYC status).
 * The data API needs signup_date and affiliate_id on every record, so for a customer that exists
 * they are taken from what is stored; a customer that does not exist still needs them.
 */
async function completeCustomers(tx: Sql, raws: unknown[]): Promise<unknown[]> {
  const partial = raws.filter(
    (r): r is Raw => typeof r === 'object' && r !== null && typeof (r as Raw).customer_id === 'string' && ((r as Raw).signup_date == null || (r as Raw).affiliate_id == null),
  );
  if (partial.length === 0) return raws;
  const stored = await storedCustomerKeys(tx, partial.map((r) => r.customer_id as string));
  return raws.map((r) => {
    if (!partial.includes(r as Raw)) return r;
    const known = stored.get((r as Raw).customer_id as string);
    if (!known) return r;
    const out = { ...(r as Raw) };
    out.signup_date ??= known.signup_date;
    out.affiliate_id ??= known.affiliate_id;
    return out;
  });
}

/** All or nothing, like a data API batch: any invalid record is a 422 listing every problem. */
export async function applyStrict(tx: Sql, entity: EntityName, raws: unknown[], opts: WriteOptions): Promise<BatchResult> {
  const def = ENTITIES[entity];
  const input = entity === 'customer' ? await completeCustomers(tx, raws) : raws;
  const records = validateBatch(def.specs, input, def.keyOf, def.keyName, def.check);
  return def.write(tx, records, opts);
}

export interface Rejected {
  /** Position in the raws given. */
  index: number;
  issues: FieldIssue[];
}

export interface LenientResult {
  result?: BatchResult;
  /** The original index of each stored record, in the order of result.data. */
  storedIndexes: number[];
  rejected: Rejected[];
}

const isValidation = (err: unknown): err is AppError => err instanceof AppError && err.status === 422 && Array.isArray(err.details);

/**
 * Stores the good records and reports the bad ones (CSV backfill, pulled pages): the records a
 * validation or a write refuses are set aside with their reasons and the rest is tried again.
 * The ingest functions check before they write, so a refused attempt leaves the transaction usable.
 */
export async function applyLenient(tx: Sql, entity: EntityName, raws: unknown[], opts: WriteOptions): Promise<LenientResult> {
  const def = ENTITIES[entity];
  const input = entity === 'customer' ? await completeCustomers(tx, raws) : raws;
  let indexes = input.map((_, i) => i);
  const rejected = new Map<number, FieldIssue[]>();
  const reject = (err: AppError) => {
    const failing = new Set<number>();
    for (const issue of err.details ?? []) {
      if (issue.index === undefined) throw err;
      const original = indexes[issue.index];
      failing.add(original);
      // "repeats the record at index k" names a position in this attempt; give the caller's position.
      const reason = issue.reason.replace(/at index (\d+)/, (_, k: string) => `at index ${indexes[Number(k)] ?? k}`);
      rejected.set(original, [...(rejected.get(original) ?? []), { ...issue, index: original, reason }]);
    }
    if (failing.size === 0) throw err;
    indexes = indexes.filter((i) => !failing.has(i));
  };
  for (;;) {
    if (indexes.length === 0) break;
    try {
      const records = validateBatch(def.specs, indexes.map((i) => input[i]), def.keyOf, def.keyName, def.check);
      const result = await def.write(tx, records, opts);
      return { result, storedIndexes: indexes, rejected: sortRejected(rejected) };
    } catch (err) {
      if (!isValidation(err)) throw err;
      reject(err);
    }
  }
  return { storedIndexes: [], rejected: sortRejected(rejected) };
}

function sortRejected(map: Map<number, FieldIssue[]>): Rejected[] {
  return [...map.entries()].sort((a, b) => a[0] - b[0]).map(([index, issues]) => ({ index, issues }));
}
