/**
 * A partner's chain as a verifier reads it (docs/verification.md): each chained record with its
 * position, previous hash, stored hash and its body rebuilt from the rows as they are now; the
 * records of the partner that are in no chain; its checkpoints; and the signing keys. The verifier
 * recomputes every hash itself, so a row changed after it was chained shows as a broken link.
 */
import type { Database, Sql } from '../db/index.ts';
import { attributionChainBodies, unchainedAttributions } from '../partners/attribution/store.ts';
import { entryBody, type EntryFields, GENESIS, type RecordType, statusBody, type StatusFields } from './chain.ts';
import { type Checkpoint, listCheckpoints } from './checkpoints.ts';
import { type PublicKeyView, publicKeys } from './signing.ts';

export const BUNDLE_FORMAT = 'openib-ledger-bundle/1';

export interface ChainedRecord {
  seq: number;
  type: RecordType;
  id: number;
  prev: string;
  hash: string;
  /** The record as the database holds it now; null when its row is gone. */
  record: Record<string, unknown> | null;
}

export interface LedgerBundle {
  format: typeof BUNDLE_FORMAT;
  partner_id: string;
  /** Records after this position (0: from the start of the chain) … */
  from_seq: number;
  /** … whose previous hash is this (the checkpoint's head, or 64 zeros). */
  from_head: string;
  head: { seq: number; hash: string };
  records: ChainedRecord[];
  /** The partner's ledger entries and attribution rows that are in no chain (at most 1,000 each). */
  unchained: Record<string, unknown>[];
  checkpoints: Checkpoint[];
  keys: PublicKeyView[];
  generated_at: string;
}

const ENTRY_COLUMNS = `id, partner_id, currency::text AS currency, amount::text AS amount, kind, level, source_type, source_key, rule, fact_date::text AS fact_date,
  customer_id, instrument, plan_id, plan_version, hold_reason, corrects, explanation, initial_status`;

/** The canonical bodies of records as their rows are now, by type and id (absent: the row is gone). */
export async function recordBodies(db: Sql, refs: { type: RecordType; id: number }[]): Promise<Record<RecordType, Map<number, Record<string, unknown>>>> {
  const idsOf = (t: RecordType) => refs.filter((c) => c.type === t).map((c) => c.id);
  const entries = new Map(
    (await db.query<EntryFields>(`SELECT ${ENTRY_COLUMNS} FROM ledger_entries WHERE id = ANY($1::bigint[])`, [idsOf('ledger_entry')])).map((e) => [Number(e.id), entryBody(e)]),
  );
  const statuses = new Map(
    (await db.query<StatusFields>('SELECT id, entry_id, from_status, to_status, reason, changed_by FROM ledger_status_log WHERE id = ANY($1::bigint[])', [idsOf('ledger_status')])).map(
      (s) => [Number(s.id), statusBody(s)],
    ),
  );
  const attributions = await attributionChainBodies(db, idsOf('attribution'), idsOf('attribution_superseded'));
  return { ledger_entry: entries, ledger_status: statuses, attribution: attributions.attribution, attribution_superseded: attributions.superseded };
}

/**
 * The chain of a partner from after position `fromSeq`, as a verifier's bundle, read in one
 * snapshot so records written meanwhile cannot make it disagree with itself.
 */
export async function ledgerBundle(db: Database | Sql, partnerId: string, fromSeq = 0): Promise<LedgerBundle> {
  if ('transaction' in db)
    return db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return readBundle(tx, partnerId, fromSeq);
    });
  return readBundle(db, partnerId, fromSeq);
}

async function readBundle(db: Sql, partnerId: string, fromSeq: number): Promise<LedgerBundle> {
  const chain = await db.query<{ seq: number; record_type: RecordType; record_id: number; prev_hash: string; hash: string }>(
    'SELECT seq, record_type, record_id, prev_hash, hash FROM ledger_chain WHERE partner_id = $1 AND seq > $2 ORDER BY seq',
    [partnerId, fromSeq],
  );
  const bodies = await recordBodies(db, chain.map((c) => ({ type: c.record_type, id: Number(c.record_id) })));
  const records = chain.map((c) => ({
    seq: Number(c.seq),
    type: c.record_type,
    id: Number(c.record_id),
    prev: c.prev_hash,
    hash: c.hash,
    record: bodies[c.record_type].get(Number(c.record_id)) ?? null,
  }));
  const unchainedEntries = await db.query<EntryFields>(
    `SELECT ${ENTRY_COLUMNS} FROM ledger_entries e WHERE partner_id = $1
       AND NOT EXISTS (SELECT 1 FROM ledger_chain c WHERE c.record_type = 'ledger_entry' AND c.record_id = e.id AND c.partner_id = e.partner_id)
     ORDER BY id LIMIT 1000`,
    [partnerId],
  );
  const [fromRow] = fromSeq > 0 ? await db.query<{ hash: string }>('SELECT hash FROM ledger_chain WHERE partner_id = $1 AND seq = $2', [partnerId, fromSeq]) : [];
  const [head] = await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM ledger_chain_heads WHERE partner_id = $1', [partnerId]);
  const [{ now }] = await db.query<{ now: string }>('SELECT now() AS now');
  return {
    format: BUNDLE_FORMAT,
    partner_id: partnerId,
    from_seq: fromSeq,
    from_head: fromRow?.hash ?? GENESIS,
    head: head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS },
    records,
    unchained: [...unchainedEntries.map(entryBody), ...(await unchainedAttributions(db, partnerId, 1000))],
    checkpoints: await listCheckpoints(db, partnerId, { limit: 100_000 }),
    keys: await publicKeys(db),
    generated_at: now,
  };
}
