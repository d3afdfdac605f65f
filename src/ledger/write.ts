/**
 * The ledger's only writer. Two operations change the ledger and nothing else in the code base
 * touches its tables for writing (a test greps for it):
 *
 * - `append(entries)`: new entries, each with its first status on the entry itself (pending when
 *   held, approved, or reversed for a reversal);
 * - `transition(ids, to, reason)`: moves entries between statuses (only from the listed ones),
 *   records the new status in ledger_entry_status, logs every move and announces it (`commission.status_changed`, and `commission.approved` for
 *   released holds or, negative, for approved commission reversed before it was paid).
 *
 * Entries themselves are never updated or deleted (a trigger refuses it): a correction is a new
 * entry that names the one it corrects. Every entry, every status move and every attribution change
 * (`chain`, called by the attribution store) is also hashed into its partner's chain in the same
 * transaction (docs/verification.md). An entry's status is
 * coalesce(ledger_entry_status.status, ledger_entries.initial_status): see CURRENT_STATUS.
 */
import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { type ChainRecord, entryBody, GENESIS, recordHash, statusBody } from './chain.ts';
import { approvedEvents } from './events.ts';

/** SQL: the current status of entry `e` left-joined to its status row `s`. */
export const CURRENT_STATUS = 'coalesce(s.status, e.initial_status)';

export type LedgerStatus = 'pending' | 'approved' | 'paid' | 'reversed';

/** One entry to append, with its first status. */
export interface NewLedgerEntry {
  source_type: string;
  source_key: string;
  rule: string;
  kind: string;
  partner_id: string;
  level: number;
  currency: string;
  amount: string;
  fact_date: string;
  customer_id?: string;
  instrument?: string;
  plan_id?: string;
  plan_version?: number;
  hold_reason?: string;
  corrects?: number;
  /** How the amount was derived (stored as JSON, shown by /ledger/{id}/explain). */
  explanation: object;
  status: 'pending' | 'approved' | 'reversed';
}

// Entries per INSERT: each carries its explanation, so one JSON document for a whole month of a
// large broker would pass the JavaScript string limit (512 MB); 10,000 keep it near 10 MB.
const INSERT_CHUNK = 10_000;

/** Appends entries (in chunks) and returns each with the id it was given, in the order given. */
export async function append<E extends NewLedgerEntry>(tx: Sql, entries: E[], meta: { runId?: number | null; actor?: string } = {}): Promise<{ id: number; entry: E }[]> {
  const out: { id: number; entry: E }[] = [];
  for (let i = 0; i < entries.length; i += INSERT_CHUNK) out.push(...(await appendChunk(tx, entries.slice(i, i + INSERT_CHUNK), meta)));
  return out;
}

async function appendChunk<E extends NewLedgerEntry>(tx: Sql, entries: E[], meta: { runId?: number | null; actor?: string }): Promise<{ id: number; entry: E }[]> {
  if (!entries.length) return [];
  // Ids are drawn first, so the caller gets each entry's id without reading the entries back.
  const ids = (
    await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('ledger_entries', 'id')) AS id FROM generate_series(1, $1::int)`, [entries.length])
  ).map((r) => r.id);
  // One JSON document instead of eighteen arrays: the driver sends it as is and PostgreSQL parses it natively.
  const rows = entries.map((e, i) => ({
    id: ids[i],
    source_type: e.source_type,
    source_key: e.source_key,
    rule: e.rule,
    kind: e.kind,
    partner_id: e.partner_id,
    level: e.level,
    currency: e.currency,
    amount: e.amount,
    fact_date: e.fact_date,
    customer_id: e.customer_id ?? null,
    instrument: e.instrument ?? null,
    plan_id: e.plan_id ?? null,
    plan_version: e.plan_version ?? null,
    hold_reason: e.hold_reason ?? null,
    corrects: e.corrects ?? null,
    explanation: e.explanation,
    initial_status: e.status,
  }));
  await tx.query(
    `INSERT INTO ledger_entries (id, source_type, source_key, rule, kind, partner_id, level, currency, amount, fact_date,
                                 customer_id, instrument, plan_id, plan_version, hold_reason, corrects, explanation, initial_status, run_id, created_by)
     SELECT x.*, $2::bigint, $3::text FROM json_to_recordset($1::json) AS x(id bigint, source_type text, source_key text, rule text, kind text,
       partner_id text, level int, currency text, amount numeric, fact_date date, customer_id text, instrument text, plan_id text,
       plan_version int, hold_reason text, corrects bigint, explanation jsonb, initial_status text)`,
    [JSON.stringify(rows), meta.runId ?? null, meta.actor ?? 'engine'],
  );
  await chain(tx, rows.map((r) => ({ partner_id: r.partner_id, type: 'ledger_entry', id: r.id, body: entryBody(r) })));
  return entries.map((entry, i) => ({ id: ids[i], entry }));
}

export interface TransitionOptions {
  /** Who moved them: 'engine' for recomputations, the person's actor id otherwise. */
  actor?: string;
  /** Paid entries name the statement that paid them; a failed payment's entries lose it again. */
  payoutId?: string | null;
}

/**
 * Moves entries to a status, only those now in one of `from` (the others are left as they are),
 * logging each move; returns the ids that moved.
 */
export async function transition(tx: Sql, ids: number[], to: LedgerStatus, reason: string, from: LedgerStatus[], opts: TransitionOptions = {}): Promise<number[]> {
  if (!ids.length) return [];
  const actor = opts.actor ?? 'engine';
  // The entries are locked first; the statement after them then reads their latest status.
  const owners = new Map(
    (await tx.query<{ id: number; partner_id: string }>('SELECT id, partner_id FROM ledger_entries WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [ids])).map((r) => [
      Number(r.id),
      r.partner_id,
    ]),
  );
  const rows = await tx.query<{ entry_id: number; previous: string }>(
    `WITH cur AS (
       SELECT e.id AS entry_id, ${CURRENT_STATUS} AS status, s.payout_id
       FROM ledger_entries e LEFT JOIN ledger_entry_status s ON s.entry_id = e.id
       WHERE e.id = ANY($1::bigint[]) AND ${CURRENT_STATUS} = ANY($4::text[])),
     moved AS (
       INSERT INTO ledger_entry_status AS s (entry_id, status, reason, payout_id, changed_at)
       SELECT entry_id, $2, $3, CASE WHEN $5::boolean THEN $6::text ELSE payout_id END, now() FROM cur
       ON CONFLICT (entry_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, payout_id = EXCLUDED.payout_id, changed_at = EXCLUDED.changed_at
       RETURNING entry_id)
     SELECT moved.entry_id, cur.status AS previous FROM moved JOIN cur USING (entry_id) ORDER BY moved.entry_id`,
    [ids, to, reason, from, opts.payoutId !== undefined, opts.payoutId ?? null],
  );
  if (!rows.length) return [];
  const logged = await tx.query<{ id: number; entry_id: number; from_status: string }>(
    `INSERT INTO ledger_status_log (entry_id, from_status, to_status, reason, changed_by)
     SELECT * FROM unnest($1::bigint[], $2::text[]) AS t(entry_id, from_status), (SELECT $3::text, $4::text, $5::text) x
     RETURNING id, entry_id, from_status`,
    [rows.map((r) => r.entry_id), rows.map((r) => r.previous), to, reason, actor],
  );
  await chain(
    tx,
    logged
      .sort((a, b) => Number(a.id) - Number(b.id))
      .map((l) => ({
        partner_id: owners.get(Number(l.entry_id)) as string,
        type: 'ledger_status' as const,
        id: Number(l.id),
        body: statusBody({ id: l.id, entry_id: l.entry_id, from_status: l.from_status, to_status: to, reason, changed_by: actor }),
      })),
  );
  // One event per partner, so reports (commission by status) and subscribers see the change at once.
  const partners = await tx.query<{ partner_id: string; date_from: string; date_to: string; entries: number }>(
    `SELECT partner_id, min(fact_date)::text AS date_from, max(fact_date)::text AS date_to, count(*)::int AS entries
     FROM ledger_entries WHERE id = ANY($1::bigint[]) GROUP BY partner_id ORDER BY partner_id`,
    [rows.map((r) => r.entry_id)],
  );
  await appendEvents(tx, partners.map((p) => ({
    type: 'commission.status_changed',
    subjectType: 'partner',
    subjectId: p.partner_id,
    data: { partner_id: p.partner_id, status: to, from_statuses: from, entries: p.entries, date_from: p.date_from, date_to: p.date_to, reason, changed_by: actor },
  })));
  // Released holds become payable: announced once. (A failed payment's entries returning to approved are not new commission.)
  if (to === 'approved' && from.includes('pending')) await appendEvents(tx, await approvedEvents(tx, rows.filter((r) => r.previous === 'pending').map((r) => r.entry_id), { reason }));
  // Approved commission reversed before it was paid: announced as a negative amount, so a tracker summing commission.approved stays right.
  if (to === 'reversed') await appendEvents(tx, await approvedEvents(tx, rows.filter((r) => r.previous === 'approved').map((r) => r.entry_id), { reason }, -1));
  return rows.map((r) => r.entry_id);
}

/**
 * Appends records to their partners' chains, in the order given: each partner's head row is locked
 * (partners in name order, so two writers never wait on each other crosswise), the hashes are
 * computed here and one INSERT writes them all. Called in the transaction that writes the records.
 */
export async function chain(tx: Sql, records: ChainRecord[]): Promise<void> {
  if (!records.length) return;
  const partners = [...new Set(records.map((r) => r.partner_id))].sort();
  await tx.query(
    `INSERT INTO ledger_chain_heads (partner_id, seq, hash) SELECT p, 0, $2 FROM unnest($1::text[]) AS p ORDER BY p ON CONFLICT (partner_id) DO NOTHING`,
    [partners, GENESIS],
  );
  const heads = new Map(
    (
      await tx.query<{ partner_id: string; seq: number; hash: string }>(
        'SELECT partner_id, seq, hash FROM ledger_chain_heads WHERE partner_id = ANY($1::text[]) ORDER BY partner_id FOR UPDATE',
        [partners],
      )
    ).map((h) => [h.partner_id, { seq: Number(h.seq), hash: h.hash }]),
  );
  const rows = records.map((r) => {
    const head = heads.get(r.partner_id) as { seq: number; hash: string };
    const seq = head.seq + 1;
    const hash = recordHash(r.partner_id, seq, head.hash, r.body);
    const row = { partner_id: r.partner_id, seq, type: r.type, id: r.id, prev: head.hash, hash };
    head.seq = seq;
    head.hash = hash;
    return row;
  });
  const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  await tx.query(
    `INSERT INTO ledger_chain (partner_id, seq, record_type, record_id, prev_hash, hash)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[])`,
    [col((r) => r.partner_id), col((r) => r.seq), col((r) => r.type), col((r) => r.id), col((r) => r.prev), col((r) => r.hash)],
  );
  await tx.query(
    `UPDATE ledger_chain_heads h SET seq = t.seq, hash = t.hash, updated_at = now() FROM unnest($1::text[], $2::bigint[], $3::text[]) AS t(partner_id, seq, hash)
     WHERE h.partner_id = t.partner_id`,
    [partners, partners.map((p) => heads.get(p)!.seq), partners.map((p) => heads.get(p)!.hash)],
  );
}
