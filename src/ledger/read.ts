import type { Sql } from '../db/index.ts';
import { Dec } from '../shared/decimal.ts';
import { Filters, type Page, type PageRequest, readPage } from '../shared/pagination.ts';

export interface LedgerEntryView {
  entry_id: string;
  partner_id: string;
  currency: string;
  amount: string;
  kind: string;
  level: number;
  status: 'pending' | 'approved' | 'paid' | 'reversed';
  hold_reason: string | null;
  source_type: string;
  source_key: string;
  rule: string;
  fact_date: string;
  customer_id: string | null;
  instrument: string | null;
  plan_id: string | null;
  plan_version: number | null;
  corrects: string | null;
  payout_id: string | null;
  created_at: string;
}

const VIEW = `(SELECT e.id AS seq, e.entry_id::text AS entry_id, e.partner_id, e.currency, e.amount, e.kind, e.level,
   coalesce(s.status, e.initial_status) AS status, e.hold_reason, e.source_type, e.source_key, e.rule, e.fact_date::text AS fact_date, e.customer_id, e.instrument,
   e.plan_id, e.plan_version, c.entry_id::text AS corrects, s.payout_id, e.created_at
   FROM ledger_entries e LEFT JOIN ledger_entry_status s ON s.entry_id = e.id LEFT JOIN ledger_entries c ON c.id = e.corrects) l`;

export interface LedgerFilter {
  partnerIds?: string[];
  from?: string;
  to?: string;
  status?: string;
  kind?: string;
  customerId?: string;
}

function filters(f: LedgerFilter): Filters {
  const out = new Filters();
  if (f.partnerIds) out.add('partner_id = ANY(?::text[])', f.partnerIds);
  if (f.from) out.add('fact_date >= ?::text', f.from);
  if (f.to) out.add('fact_date <= ?::text', f.to);
  if (f.status) out.add('status = ?', f.status);
  if (f.kind) out.add('kind = ?', f.kind);
  if (f.customerId) out.add('customer_id = ?', f.customerId);
  return out;
}

export function listLedger(db: Sql, f: LedgerFilter, page: PageRequest, order: 'asc' | 'desc' = 'asc'): Promise<Page<LedgerEntryView>> {
  return readPage<LedgerEntryView>(
    db,
    VIEW,
    'entry_id, partner_id, currency, amount, kind, level, status, hold_reason, source_type, source_key, rule, fact_date, customer_id, instrument, plan_id, plan_version, corrects, payout_id, created_at',
    filters(f),
    page,
    order,
  );
}

export async function getEntry(db: Sql, entryId: string): Promise<(LedgerEntryView & { explanation: unknown; internal_id: number }) | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(entryId)) return undefined;
  const [row] = await db.query<LedgerEntryView & { explanation: unknown; internal_id: number }>(
    `SELECT l.*, e.explanation, e.id AS internal_id FROM ${VIEW} JOIN ledger_entries e ON e.entry_id::text = l.entry_id WHERE l.entry_id = $1`,
    [entryId.toLowerCase()],
  );
  return row;
}

/** Every entry that corrects this one (and what they correct in turn), oldest first. */
export async function correctionsOf(db: Sql, internalId: number): Promise<LedgerEntryView[]> {
  return db.query<LedgerEntryView>(
    `SELECT l.* FROM ${VIEW} JOIN ledger_entries e ON e.entry_id::text = l.entry_id
     WHERE e.source_key = (SELECT source_key FROM ledger_entries WHERE id = $1)
       AND e.rule = (SELECT rule FROM ledger_entries WHERE id = $1)
       AND e.partner_id = (SELECT partner_id FROM ledger_entries WHERE id = $1)
       AND e.level = (SELECT level FROM ledger_entries WHERE id = $1)
     ORDER BY e.id`,
    [internalId],
  );
}

export interface EarningsTotals {
  currency: string;
  total: string;
  by_status: Record<string, string>;
  by_kind: Record<string, string>;
  by_level: Record<string, string>;
}

/** A partner's earnings between two business dates: totals per currency, split by status, kind and level. */
export async function earnings(db: Sql, partnerId: string, from?: string, to?: string): Promise<EarningsTotals[]> {
  const rows = await db.query<{ currency: string; status: string; kind: string; level: number; amount: string }>(
    `SELECT e.currency, coalesce(s.status, e.initial_status) AS status, e.kind, e.level, sum(e.amount) AS amount
     FROM ledger_entries e LEFT JOIN ledger_entry_status s ON s.entry_id = e.id
     WHERE e.partner_id = $1 AND ($2::date IS NULL OR e.fact_date >= $2::date) AND ($3::date IS NULL OR e.fact_date <= $3::date)
     GROUP BY e.currency, 2, e.kind, e.level ORDER BY e.currency`,
    [partnerId, from ?? null, to ?? null],
  );
  const byCurrency = new Map<string, typeof rows>();
  for (const r of rows) byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), r]);
  return [...byCurrency.entries()].map(([currency, rs]) => {
    const sum = (key: (r: (typeof rows)[number]) => string) => {
      const m: Record<string, Dec> = {};
      for (const r of rs) m[key(r)] = (m[key(r)] ?? new Dec(0)).plus(r.amount);
      return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.toFixed()]));
    };
    return {
      currency,
      total: rs.reduce((s, r) => s.plus(r.amount), new Dec(0)).toFixed(),
      by_status: sum((r) => r.status),
      by_kind: sum((r) => r.kind),
      by_level: sum((r) => String(r.level)),
    };
  });
}
