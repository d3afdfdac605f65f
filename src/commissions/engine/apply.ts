import type { Sql } from '../../db/index.ts';
import { append, CURRENT_STATUS, type NewLedgerEntry, transition } from '../../ledger/write.ts';
import { Dec } from '../../shared/decimal.ts';
import { explain } from '../maths/explanation.ts';
import { cellJoin, cellParams, type DesiredEntry, type DiffScope } from './desired.ts';

interface Existing {
  key: string;
  total: string;
  paid: string;
  last_id: number;
  held_ids: number[];
  open_ids: number[];
}

type NewEntry = DesiredEntry & NewLedgerEntry;

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
    const params: unknown[] = [scope.source_type, scope.from ?? null, scope.to ?? null, scope.keys ?? null, scope.partners ?? null, scope.rules ?? null, scope.partnerMonths ?? null];
    const cells = scope.cells ? cellJoin('e', 'fact_date', params.push(...cellParams(scope.cells)) - 2) : '';
    const rows = await tx.query<Existing & Record<string, unknown>>(
      `SELECT e.source_type, e.source_key, e.rule, e.partner_id, e.level, e.currency,
              max(e.fact_date)::text AS fact_date, max(e.customer_id) AS customer_id, max(e.instrument) AS instrument, max(e.kind) AS kind,
              sum(e.amount) AS total, coalesce(sum(e.amount) FILTER (WHERE ${CURRENT_STATUS} = 'paid'), 0) AS paid, max(e.id) AS last_id,
              coalesce(array_agg(e.id) FILTER (WHERE ${CURRENT_STATUS} = 'pending' AND e.hold_reason IS NOT NULL), '{}') AS held_ids,
              coalesce(array_agg(e.id) FILTER (WHERE ${CURRENT_STATUS} IN ('pending', 'approved')), '{}') AS open_ids
       FROM ledger_entries e ${cells} LEFT JOIN ledger_entry_status s ON s.entry_id = e.id
       WHERE e.source_type = $1
         AND ($2::date IS NULL OR e.fact_date >= $2::date) AND ($3::date IS NULL OR e.fact_date <= $3::date)
         AND ($4::text[] IS NULL OR e.source_key = ANY($4::text[]))
         AND ($5::text[] IS NULL OR e.partner_id = ANY($5::text[]))
         AND ($6::text[] IS NULL OR e.rule = ANY($6::text[]))
         AND ($7::text[] IS NULL OR (e.partner_id || '|' || to_char(e.fact_date, 'YYYY-MM')) = ANY($7::text[]))
       GROUP BY e.source_type, e.source_key, e.rule, e.partner_id, e.level, e.currency`,
      params,
    );
    for (const r of rows) {
      const key = identity(r as never);
      // Scopes may overlap (an incremental run's narrow scopes): an identity is read once.
      if (out.has(key)) continue;
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
      // A jurisdiction policy that removed the amount is named in the reversal.
      const removedBy = d.explanation.rule === 'jurisdiction_policy' ? d.explanation.notes?.[0] : undefined;
      inserts.push(...reversalOf(ex, removedBy ?? 'recomputed from current facts: nothing is earned any more'));
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

  const inserted = await append(tx, inserts, { runId, actor: 'engine' });
  if (approve.length) await transition(tx, approve, 'approved', 'hold released on recomputation', ['pending']);
  if (reverse.length) await transition(tx, reverse, 'reversed', 'reversed on recomputation', ['pending', 'approved']);
  return { inserted, approved: approve.length, reversed: reverse.length };
}

