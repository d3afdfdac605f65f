import type { Sql } from '../db/index.ts';

export type EntryStatus = 'pending' | 'approved' | 'paid' | 'reversed';
export const GROUPS = ['month', 'kind', 'level', 'customer', 'instrument'] as const;
export type Group = (typeof GROUPS)[number];

export interface EarningsFilter {
  from: string;
  to: string;
  /** One status; without it every entry that still counts (all but reversed ones, which net to zero with their reversals). */
  status?: EntryStatus;
}

export interface GroupRow {
  key: string | null;
  currency: string;
  amount: string;
  entries: number;
}

export interface EarningsReport {
  partner_id: string;
  from: string;
  to: string;
  status: EntryStatus | null;
  totals: { currency: string; amount: string; entries: number; by_status: Record<string, string> }[];
  groups: Record<Group, GroupRow[]>;
}

/** Rows per group beyond which the long tail (clients, instruments) is left out; the entries list has them all. */
const GROUP_LIMIT = 100;

const KEY_SQL: Record<Group, string> = {
  month: `to_char(e.fact_date, 'YYYY-MM')`,
  kind: 'e.kind',
  level: 'e.level::text',
  customer: 'e.customer_id',
  instrument: 'e.instrument',
};

const WHERE = `e.partner_id = $1 AND e.fact_date BETWEEN $2::date AND $3::date
  AND (CASE WHEN $4::text IS NULL THEN s.status <> 'reversed' ELSE s.status = $4::text END)`;

/**
 * A partner's own ledger entries (what it earns, on its clients and as overrides on its sub-IBs'
 * clients) over [from, to], summed per currency and grouped by month, kind, level, client and
 * instrument: newest month first, the others largest first. Exact decimal strings.
 */
export async function earningsReport(db: Sql, partnerId: string, f: EarningsFilter): Promise<EarningsReport> {
  const params = [partnerId, f.from, f.to, f.status ?? null];
  const rows = await db.query<{ grp: string; key: string | null; currency: string; status: string | null; amount: string; entries: number }>(
    `SELECT CASE WHEN GROUPING(${KEY_SQL.month}) = 0 THEN 'month' WHEN GROUPING(e.kind) = 0 THEN 'kind' WHEN GROUPING(e.level) = 0 THEN 'level'
                 WHEN GROUPING(e.customer_id) = 0 THEN 'customer' WHEN GROUPING(e.instrument) = 0 THEN 'instrument'
                 WHEN GROUPING(s.status) = 0 THEN 'status' ELSE 'total' END AS grp,
            coalesce(${KEY_SQL.month}, e.kind, e.level::text, e.customer_id, e.instrument) AS key,
            e.currency::text AS currency, s.status, sum(e.amount)::text AS amount, count(*)::int AS entries
     FROM ledger_entries e LEFT JOIN ledger_entry_status s0 ON s0.entry_id = e.id CROSS JOIN LATERAL (SELECT coalesce(s0.status, e.initial_status) AS status) s
     WHERE ${WHERE}
     GROUP BY GROUPING SETS ((e.currency), (e.currency, s.status), (e.currency, ${KEY_SQL.month}), (e.currency, e.kind), (e.currency, e.level),
                             (e.currency, e.customer_id), (e.currency, e.instrument))`,
    params,
  );
  const totals = rows
    .filter((r) => r.grp === 'total')
    .sort((a, b) => b.entries - a.entries || a.currency.localeCompare(b.currency))
    .map((t) => ({
      currency: t.currency,
      amount: t.amount,
      entries: t.entries,
      by_status: Object.fromEntries(rows.filter((r) => r.grp === 'status' && r.currency === t.currency).map((r) => [r.status as string, r.amount])),
    }));
  const groups = Object.fromEntries(
    GROUPS.map((g) => {
      const list = rows.filter((r) => r.grp === g).map(({ key, currency, amount, entries }) => ({ key, currency, amount, entries }));
      if (g === 'month') list.sort((a, b) => (b.key ?? '').localeCompare(a.key ?? '') || a.currency.localeCompare(b.currency));
      else if (g === 'level') list.sort((a, b) => Number(a.key) - Number(b.key) || a.currency.localeCompare(b.currency));
      else list.sort((a, b) => compareDecimal(b.amount, a.amount) || (a.key ?? '').localeCompare(b.key ?? ''));
      return [g, g === 'customer' || g === 'instrument' ? list.slice(0, GROUP_LIMIT) : list];
    }),
  ) as Record<Group, GroupRow[]>;
  return { partner_id: partnerId, from: f.from, to: f.to, status: f.status ?? null, totals, groups };
}

/** Orders two decimal strings without turning them into floats (sign, then integer length, then digits). */
function compareDecimal(a: string, b: string): number {
  const neg = (s: string) => s.startsWith('-');
  if (neg(a) !== neg(b)) return neg(a) ? -1 : 1;
  const [ai, af = ''] = a.replace('-', '').split('.');
  const [bi, bf = ''] = b.replace('-', '').split('.');
  const width = Math.max(af.length, bf.length);
  const ka = ai!.replace(/^0+(?=\d)/, '');
  const kb = bi!.replace(/^0+(?=\d)/, '');
  let c = ka.length - kb.length || (ka < kb ? -1 : ka > kb ? 1 : 0);
  if (c === 0) {
    const fa = af.padEnd(width, '0');
    const fb = bf.padEnd(width, '0');
    c = fa < fb ? -1 : fa > fb ? 1 : 0;
  }
  return neg(a) ? -c : c;
}

export interface EntryFilter extends EarningsFilter {
  kind?: string;
  level?: number;
  customer_id?: string;
  instrument?: string;
  /** A month (YYYY-MM) inside [from, to]. */
  month?: string;
}

export interface EarningsEntry {
  entry_id: string;
  currency: string;
  amount: string;
  kind: string;
  level: number;
  status: string;
  hold_reason: string | null;
  source_type: string;
  source_key: string;
  fact_date: string;
  customer_id: string | null;
  instrument: string | null;
  plan_id: string | null;
  plan_version: number | null;
}

/** The entries behind the report (or one of its groups), newest fact first; `limit` null for all of them (exports). */
export async function earningsEntries(db: Sql, partnerId: string, f: EntryFilter, page: { limit: number; offset: number }): Promise<{ data: EarningsEntry[]; total: number }> {
  const params: unknown[] = [partnerId, f.from, f.to, f.status ?? null, f.kind ?? null, f.level ?? null, f.customer_id ?? null, f.instrument ?? null, f.month ?? null];
  const where = `${WHERE} AND ($5::text IS NULL OR e.kind = $5) AND ($6::int IS NULL OR e.level = $6) AND ($7::text IS NULL OR e.customer_id = $7)
    AND ($8::text IS NULL OR e.instrument = $8) AND ($9::text IS NULL OR to_char(e.fact_date, 'YYYY-MM') = $9)`;
  const [{ total }] = await db.query<{ total: number }>(`SELECT count(*)::int AS total FROM ledger_entries e LEFT JOIN ledger_entry_status s0 ON s0.entry_id = e.id CROSS JOIN LATERAL (SELECT coalesce(s0.status, e.initial_status) AS status) s WHERE ${where}`, params);
  const data = await db.query<EarningsEntry>(
    `SELECT e.entry_id::text AS entry_id, e.currency::text AS currency, e.amount::text AS amount, e.kind, e.level, s.status, e.hold_reason, e.source_type, e.source_key,
            e.fact_date::text AS fact_date, e.customer_id, e.instrument, e.plan_id, e.plan_version
     FROM ledger_entries e LEFT JOIN ledger_entry_status s0 ON s0.entry_id = e.id CROSS JOIN LATERAL (SELECT coalesce(s0.status, e.initial_status) AS status) s
     WHERE ${where}
     ORDER BY e.fact_date DESC, e.id DESC LIMIT $10 OFFSET $11`,
    [...params, page.limit, page.offset],
  );
  return { data, total };
}
