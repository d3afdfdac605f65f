import type { Sql } from '../../db/index.ts';
import { appendEvents } from '../../events/outbox.ts';
import { Dec } from '../../shared/decimal.ts';
import { explain } from '../maths/explanation.ts';
import type { DesiredEntry, DiffScope } from './desired.ts';

interface Existing {
  key: string;
  total: string;
  paid: string;
  last_id: number;
  held_ids: number[];
  open_ids: number[];
}

interface NewEntry extends DesiredEntry {
  corrects?: number;
  status: 'pending' | 'approved' | 'reversed';
}

export interface ApplyResult {
  inserted: { id: number; entry: NewEntry }[];
  approved: number;
  reversed: number;
}

const identity = (e: Pick<DesiredEntry, 'source_type' | 'source_key' | 'rule' | 'partner_id' | 'level' | 'currency'>) =>
  `${e.source_type}\u0001${e.source_key}\u0001${e.rule}\u0001${e.partner_id}\u0001${e.level}\u0001${e.currency}`;

async function loadExisting(tx: Sql, scopes: DiffScope[]): Promise<Map<string, Existing & { sample: Record<string, unknown> }>> {
  const out = new Map<string, Existing & { sample: Record<string, unknown> }>();
  for (const scope of scopes) {
    const rows = await tx.query<Existing & Record<string, unknown>>(
      `SELECT e.source_type, e.source_key, e.rule, e.partner_id, e.level, e.currency,
              max(e.fact_date)::text AS fact_date, max(e.customer_id) AS customer_id, max(e.instrument) AS instrument, max(e.kind) AS kind,
              sum(e.amount) AS total, coalesce(sum(e.amount) FILTER (WHERE s.status = 'paid'), 0) AS paid, max(e.id) AS last_id,
              coalesce(array_agg(e.id) FILTER (WHERE s.status = 'pending' AND e.hold_reason IS NOT NULL), '{}') AS held_ids,
              coalesce(array_agg(e.id) FILTER (WHERE s.status IN ('pending', 'approved')), '{}') AS open_ids
       FROM ledger_entries e JOIN ledger_entry_status s ON s.entry_id = e.id
       WHERE e.source_type = $1
         AND ($2::date IS NULL OR e.fact_date >= $2::date) AND ($3::date IS NULL OR e.fact_date <= $3::date)
         AND ($4::text[] IS NULL OR e.source_key = ANY($4::text[]))
       GROUP BY e.source_type, e.source_key, e.rule, e.partner_id, e.level, e.currency`,
      [scope.source_type, scope.from ?? null, scope.to ?? null, scope.keys ?? null],
    );
    for (const r of rows) {
      const key = identity(r as never);
      out.set(key, { key, total: r.total, paid: r.paid, last_id: r.last_id, held_ids: r.held_ids, open_ids: r.open_ids, sample: r });
    }
  }
  return out;
}

function reversalOf(ex: Existing & { sample: Record<string, unknown> }, reason: string): NewEntry[] {
  const s = ex.sample as Record<string, string | number | null>;
  const base = {
    source_type: s.source_type as DesiredEntry['source_type'],
    source_key: String(s.source_key),
    rule: String(s.rule),
    partner_id: String(s.partner_id),
    level: Number(s.level),
    currency: String(s.currency),
    fact_date: String(s.fact_date),
    customer_id: (s.customer_id as string) ?? undefined,
    instrument: (s.instrument as string) ?? undefined,
    corrects: ex.last_id,
  };
  const out: NewEntry[] = [];
  const paid = new Dec(ex.paid);
  const unpaid = new Dec(ex.total).minus(paid);
  if (!unpaid.isZero()) {
    const amount = unpaid.neg().toFixed();
    out.push({ ...base, kind: 'reversal', amount, status: 'reversed', explanation: explain({ rule: 'reversal', inputs: { unpaid: unpaid.toFixed() }, formula: '− what was earned and not yet paid', arithmetic: `−${unpaid.toFixed()} = ${amount}`, result: amount, notes: [reason] }) });
  }
  if (!paid.isZero()) {
    const amount = paid.neg().toFixed();
    out.push({ ...base, kind: 'clawback', amount, status: 'approved', explanation: explain({ rule: 'clawback', inputs: { paid: paid.toFixed() }, formula: '− what was already paid, recovered from future earnings', arithmetic: `−${paid.toFixed()} = ${amount}`, result: amount, notes: [reason] }) });
  }
  return out;
}

/**
 * Makes the ledger agree with the desired entries inside the scopes by appending the difference:
 * new entries, adjustments for changed amounts, reversals (and clawbacks of paid amounts) for
 * earnings that no longer exist. Entries that were held and no longer are become approved.
 * Running it again with the same desired entries appends nothing.
 */
export async function applyDesired(tx: Sql, desired: DesiredEntry[], scopes: DiffScope[], runId: number): Promise<ApplyResult> {
  const existing = await loadExisting(tx, scopes);
  const inserts: NewEntry[] = [];
  const approve: number[] = [];
  const reverse: number[] = [];
  const seen = new Set<string>();
  for (const d of desired) {
    const key = identity(d);
    if (seen.has(key)) throw new Error(`two desired entries for one identity: ${key}`);
    seen.add(key);
    const ex = existing.get(key);
    const status = d.hold_reason ? 'pending' : 'approved';
    if (!ex) {
      if (!new Dec(d.amount).isZero() || d.record_zero) inserts.push({ ...d, status });
      continue;
    }
    const delta = new Dec(d.amount).minus(ex.total);
    if (new Dec(d.amount).isZero() && !new Dec(ex.total).isZero()) {
      inserts.push(...reversalOf(ex, 'recomputed from current facts: nothing is earned any more'));
      reverse.push(...ex.open_ids);
      continue;
    }
    if (!delta.isZero()) {
      const amount = delta.toFixed();
      inserts.push({
        ...d,
        kind: 'adjustment',
        amount,
        status,
        corrects: ex.last_id,
        explanation: explain({ rule: 'adjustment', inputs: { recomputed: d.amount, already_recorded: ex.total }, formula: 'recomputed amount − amount already recorded', arithmetic: `${d.amount} − ${ex.total} = ${amount}`, result: amount, steps: [d.explanation] }),
      });
    }
    if (!d.hold_reason && ex.held_ids.length) approve.push(...ex.held_ids);
  }
  for (const [key, ex] of existing) {
    if (seen.has(key) || new Dec(ex.total).isZero()) continue;
    inserts.push(...reversalOf(ex, 'recomputed from current facts: this earning no longer applies (owner, plan, KYC or fact changed)'));
    reverse.push(...ex.open_ids);
  }

  const inserted = await insertEntries(tx, inserts, runId);
  if (approve.length) await setStatus(tx, approve, 'approved', 'hold released on recomputation', ['pending']);
  if (reverse.length) await setStatus(tx, reverse, 'reversed', 'reversed on recomputation', ['pending', 'approved']);
  return { inserted, approved: approve.length, reversed: reverse.length };
}

// Entries per INSERT: each carries its explanation, so one JSON document for a whole month of a
// large broker would pass the JavaScript string limit (512 MB); 10,000 keep it near 10 MB.
const INSERT_CHUNK = 10_000;

async function insertEntries(tx: Sql, entries: NewEntry[], runId: number): Promise<{ id: number; entry: NewEntry }[]> {
  if (entries.length <= INSERT_CHUNK) return insertChunk(tx, entries, runId);
  const out: { id: number; entry: NewEntry }[] = [];
  for (let i = 0; i < entries.length; i += INSERT_CHUNK) out.push(...(await insertChunk(tx, entries.slice(i, i + INSERT_CHUNK), runId)));
  return out;
}

async function insertChunk(tx: Sql, entries: NewEntry[], runId: number): Promise<{ id: number; entry: NewEntry }[]> {
  if (!entries.length) return [];
  // Ids are drawn first, so entries, their statuses and the log are three plain set-based inserts.
  const ids = (
    await tx.query<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('ledger_entries', 'id')) AS id FROM generate_series(1, $1::int)`, [entries.length])
  ).map((r) => r.id);
  // One JSON document instead of seventeen arrays: the driver sends it as is and PostgreSQL parses it natively.
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
  }));
  await tx.query(
    `INSERT INTO ledger_entries (id, source_type, source_key, rule, kind, partner_id, level, currency, amount, fact_date,
                                 customer_id, instrument, plan_id, plan_version, hold_reason, corrects, explanation, run_id)
     SELECT x.*, $2::bigint FROM json_to_recordset($1::json) AS x(id bigint, source_type text, source_key text, rule text, kind text,
       partner_id text, level int, currency text, amount numeric, fact_date date, customer_id text, instrument text, plan_id text,
       plan_version int, hold_reason text, corrects bigint, explanation jsonb)`,
    [JSON.stringify(rows), runId],
  );
  const col = <K extends keyof NewEntry>(k: K) => entries.map((e) => e[k] ?? null);
  await tx.query(
    `WITH s AS (
       INSERT INTO ledger_entry_status (entry_id, status, reason)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) RETURNING entry_id, status, reason)
     INSERT INTO ledger_status_log (entry_id, from_status, to_status, reason, changed_by) SELECT entry_id, NULL, status, reason, 'engine' FROM s`,
    [ids, col('status'), col('hold_reason')],
  );
  return entries.map((entry, i) => ({ id: ids[i], entry }));
}

/**
 * `commission.approved` for stored entries (a released hold; with sign −1 approved entries a
 * recomputation reversed): the entries are read back and summed as approvedEventsOf sums new ones.
 */
export async function approvedEvents(tx: Sql, ids: number[], extra: Record<string, unknown>, sign: 1 | -1 = 1) {
  if (!ids.length) return [];
  const rows = await tx.query<{ partner_id: string; currency: string; amount: string; kind: string; customer_id: string | null; fact_date: string }>(
    'SELECT partner_id, currency, amount, kind, customer_id, fact_date FROM ledger_entries WHERE id = ANY($1::bigint[])',
    [ids],
  );
  return approvedEventsOf(sign === 1 ? rows : rows.map((r) => ({ ...r, amount: new Dec(r.amount).neg().toFixed() })), extra);
}

/**
 * `commission.approved`: what became payable, one event per partner and currency (amount: the sum of
 * the entries, which may be negative when an adjustment lowers earlier earnings; none when it is 0).
 */
export function approvedEventsOf(
  entries: { partner_id: string; currency: string; amount: string; kind: string; customer_id?: string | null; fact_date: string }[],
  extra: Record<string, unknown>,
) {
  const groups = new Map<string, { partner_id: string; currency: string; amount: Dec; entries: number; date_from: string; date_to: string; kinds: Set<string>; customers: Set<string> }>();
  for (const e of entries) {
    const key = `${e.partner_id}\u0001${e.currency}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { partner_id: e.partner_id, currency: e.currency, amount: new Dec(0), entries: 0, date_from: e.fact_date, date_to: e.fact_date, kinds: new Set(), customers: new Set() }));
    g.amount = g.amount.plus(e.amount);
    g.entries++;
    if (e.fact_date < g.date_from) g.date_from = e.fact_date;
    if (e.fact_date > g.date_to) g.date_to = e.fact_date;
    g.kinds.add(e.kind);
    if (e.customer_id) g.customers.add(e.customer_id);
  }
  return [...groups.values()]
    .filter((g) => !g.amount.isZero())
    .sort((a, b) => (a.partner_id === b.partner_id ? (a.currency < b.currency ? -1 : 1) : a.partner_id < b.partner_id ? -1 : 1))
    .map((g) => ({
      type: 'commission.approved',
      subjectType: 'partner',
      subjectId: g.partner_id,
      data: {
        partner_id: g.partner_id, amount: g.amount.toFixed(), currency: g.currency, entries: g.entries, customers: g.customers.size,
        kinds: [...g.kinds].sort(), date_from: g.date_from, date_to: g.date_to, ...extra,
      },
    }));
}

/** Moves entries to a status (only from the listed ones), logging each change. */
export async function setStatus(tx: Sql, ids: number[], to: string, reason: string, from: string[], actor = 'engine'): Promise<number[]> {
  const rows = await tx.query<{ entry_id: number; previous: string }>(
    `WITH prev AS (SELECT entry_id, status FROM ledger_entry_status WHERE entry_id = ANY($1::bigint[]) AND status = ANY($4::text[]) FOR UPDATE)
     UPDATE ledger_entry_status s SET status = $2, reason = $3, changed_at = now() FROM prev
     WHERE s.entry_id = prev.entry_id RETURNING s.entry_id, prev.status AS previous`,
    [ids, to, reason, from],
  );
  if (rows.length) {
    await tx.query(
      `INSERT INTO ledger_status_log (entry_id, from_status, to_status, reason, changed_by)
       SELECT * FROM unnest($1::bigint[], $2::text[]) AS t(entry_id, from_status), (SELECT $3::text, $4::text, $5::text) x`,
      [rows.map((r) => r.entry_id), rows.map((r) => r.previous), to, reason, actor],
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
  }
  return rows.map((r) => r.entry_id);
}
