import type { Sql } from '../db/index.ts';
import { Dec } from '../shared/decimal.ts';

/**
 * `commission.approved` for stored entries (a released hold; with sign −1 approved entries a
 * recomputation reversed): the entries are read back and summed as approvedEventsOf sums new ones.
 */
export async function approvedEvents(tx: Sql, ids: number[], extra: Record<string, unknown>, sign: 1 | -1 = 1) {
  if (!ids.length) return [];
  const rows = await tx.query<{ partner_id: string; currency: string; amount: string; kind: string; customer_id: string | null; fact_date: string; source_type: string; source_key: string; instrument: string | null }>(
    'SELECT partner_id, currency, amount, kind, customer_id, fact_date::text AS fact_date, source_type, source_key, instrument FROM ledger_entries WHERE id = ANY($1::bigint[])',
    [ids],
  );
  return approvedEventsOf(sign === 1 ? rows : rows.map((r) => ({ ...r, amount: new Dec(r.amount).neg().toFixed() })), extra);
}

/** At most this many customer ids, facts and deal ids are named in one commission event. */
export const NAMED_LIMIT = 100;

/**
 * `commission.approved`: what became payable, one event per partner and currency (amount: the sum of
 * the entries, which may be negative when an adjustment lowers earlier earnings; none when it is 0).
 * It names what it pays for, so a CRM or a tracker can match it to trades: `customer_ids`, the
 * activity `facts` (business day, customer, instrument) and, for activity that came from deals, the
 * `deal_ids`, the latest-closed first (each list up to NAMED_LIMIT, with `named_in_full: false` when
 * longer: the deals of a fact are all named, so the newest trade leads).
 */
export function approvedEventsOf(
  entries: { partner_id: string; currency: string; amount: string; kind: string; customer_id?: string | null; fact_date: string; source_type?: string; source_key?: string; instrument?: string | null }[],
  extra: Record<string, unknown>,
  dealsOf: (activityKey: string) => { deal_id: string; close_time: string }[] = () => [],
) {
  type Group = { partner_id: string; currency: string; amount: Dec; entries: number; date_from: string; date_to: string; kinds: Set<string>; customers: Set<string>; facts: Map<string, { date: string; customer_id: string; instrument: string }>; deals: Map<string, number> };
  const groups = new Map<string, Group>();
  for (const e of entries) {
    const key = `${e.partner_id}\u0001${e.currency}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { partner_id: e.partner_id, currency: e.currency, amount: new Dec(0), entries: 0, date_from: e.fact_date, date_to: e.fact_date, kinds: new Set(), customers: new Set(), facts: new Map(), deals: new Map() }));
    g.amount = g.amount.plus(e.amount);
    g.entries++;
    if (e.fact_date < g.date_from) g.date_from = e.fact_date;
    if (e.fact_date > g.date_to) g.date_to = e.fact_date;
    g.kinds.add(e.kind);
    if (e.customer_id) g.customers.add(e.customer_id);
    if (e.source_type === 'activity' && e.source_key && e.customer_id && e.instrument) {
      g.facts.set(e.source_key, { date: e.fact_date, customer_id: e.customer_id, instrument: e.instrument });
      for (const d of dealsOf(e.source_key)) g.deals.set(d.deal_id, Date.parse(d.close_time));
    }
  }
  const named = <T>(items: T[]) => items.slice(0, NAMED_LIMIT);
  return [...groups.values()]
    .filter((g) => !g.amount.isZero())
    .sort((a, b) => (a.partner_id === b.partner_id ? (a.currency < b.currency ? -1 : 1) : a.partner_id < b.partner_id ? -1 : 1))
    .map((g) => {
      const facts = [...g.facts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, f]) => f);
      const full = g.customers.size <= NAMED_LIMIT && facts.length <= NAMED_LIMIT && g.deals.size <= NAMED_LIMIT;
      return {
        type: 'commission.approved',
        subjectType: 'partner',
        subjectId: g.partner_id,
        data: {
          partner_id: g.partner_id, amount: g.amount.toFixed(), currency: g.currency, entries: g.entries, customers: g.customers.size,
          kinds: [...g.kinds].sort(), date_from: g.date_from, date_to: g.date_to,
          customer_ids: named([...g.customers].sort()), facts: named(facts),
          deal_ids: named([...g.deals].sort(([a, at], [b, bt]) => bt - at || (a < b ? -1 : a > b ? 1 : 0)).map(([id]) => id)), named_in_full: full,
          ...extra,
        },
      };
    });
}
