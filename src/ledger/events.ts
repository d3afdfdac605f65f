import type { Sql } from '../db/index.ts';
import type { NewEvent } from '../events/outbox.ts';
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

/** At most this many customer ids, facts and deal ids are named in one commission event (one part). */
export const NAMED_LIMIT = 100;
/** A single fact with more deals than this (a scalper's day on one instrument) names its newest this many. */
export const FACT_DEALS_LIMIT = 1000;

type Entry = { partner_id: string; currency: string; amount: string; kind: string; customer_id?: string | null; fact_date: string; source_type?: string; source_key?: string; instrument?: string | null };

/** What one fact (or, for entries not built from activity, the rest) adds to an event. */
interface Unit {
  amount: Dec;
  entries: number;
  date_from: string;
  date_to: string;
  kinds: Set<string>;
  customers: Set<string>;
  fact?: { date: string; customer_id: string; instrument: string };
  deals: { deal_id: string; at: number }[];
}

/**
 * `commission.approved`: what became payable, per partner and currency (amount: the sum of the
 * entries, which may be negative when an adjustment lowers earlier earnings; none when it is 0).
 * It names what it pays for, so a CRM or a tracker can match it to trades: `customer_ids`, the
 * activity `facts` (business day, customer, instrument) and, for activity that came from deals, the
 * `deal_ids`, the latest-closed first. Every fact and deal is named: when a partner's share of a run
 * names more than NAMED_LIMIT of any of them, it is announced in parts (`part` of `parts`), each
 * with the amount of the facts it names, so the parts sum to the whole. Only a single fact with more
 * than FACT_DEALS_LIMIT deals names its newest ones and says `named_in_full: false`.
 */
export function approvedEventsOf(entries: Entry[], extra: Record<string, unknown>, dealsOf: (activityKey: string) => { deal_id: string; close_time: string }[] = () => []) {
  type Group = { partner_id: string; currency: string; total: Dec; rest: Unit; facts: Map<string, Unit> };
  const unit = (date: string): Unit => ({ amount: new Dec(0), entries: 0, date_from: date, date_to: date, kinds: new Set(), customers: new Set(), deals: [] });
  const groups = new Map<string, Group>();
  for (const e of entries) {
    const key = `${e.partner_id}\u0001${e.currency}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { partner_id: e.partner_id, currency: e.currency, total: new Dec(0), rest: unit(e.fact_date), facts: new Map() }));
    g.total = g.total.plus(e.amount);
    let u = g.rest;
    if (e.source_type === 'activity' && e.source_key && e.customer_id && e.instrument) {
      u = g.facts.get(e.source_key) as Unit;
      if (!u) {
        g.facts.set(e.source_key, (u = unit(e.fact_date)));
        u.fact = { date: e.fact_date, customer_id: e.customer_id, instrument: e.instrument };
        u.deals = dealsOf(e.source_key).map((d) => ({ deal_id: d.deal_id, at: Date.parse(d.close_time) }));
      }
    }
    u.amount = u.amount.plus(e.amount);
    u.entries++;
    if (e.fact_date < u.date_from) u.date_from = e.fact_date;
    if (e.fact_date > u.date_to) u.date_to = e.fact_date;
    u.kinds.add(e.kind);
    if (e.customer_id) u.customers.add(e.customer_id);
  }
  const newestFirst = (a: { deal_id: string; at: number }, b: { deal_id: string; at: number }) => b.at - a.at || (a.deal_id < b.deal_id ? -1 : a.deal_id > b.deal_id ? 1 : 0);
  const out: NewEvent[] = [];
  const sortedGroups = [...groups.values()]
    .filter((g) => !g.total.isZero())
    .sort((a, b) => (a.partner_id === b.partner_id ? (a.currency < b.currency ? -1 : 1) : a.partner_id < b.partner_id ? -1 : 1));
  for (const g of sortedGroups) {
    // Pack the units into parts: the rest first, then the facts in key order, a new part whenever one
    // more unit would name more than NAMED_LIMIT customers, facts or deals.
    const units = [...(g.rest.entries ? [g.rest] : []), ...[...g.facts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, u]) => u)];
    const parts: Unit[][] = [];
    let current: Unit[] = [];
    let customers = new Set<string>();
    let facts = 0;
    let deals = 0;
    for (const u of units) {
      const joined = new Set([...customers, ...u.customers]);
      if (current.length && (joined.size > NAMED_LIMIT || facts + (u.fact ? 1 : 0) > NAMED_LIMIT || deals + u.deals.length > NAMED_LIMIT)) {
        parts.push(current);
        current = [];
        customers = new Set(u.customers);
        facts = 0;
        deals = 0;
      } else customers = joined;
      current.push(u);
      facts += u.fact ? 1 : 0;
      deals += u.deals.length;
    }
    if (current.length) parts.push(current);
    const announced = parts.map((p) => ({ p, amount: p.reduce((s, u) => s.plus(u.amount), new Dec(0)) })).filter((x) => !x.amount.isZero());
    announced.forEach(({ p, amount }, i) => {
      const dealList = p.flatMap((u) => [...u.deals].sort(newestFirst).slice(0, FACT_DEALS_LIMIT));
      const full = p.every((u) => u.deals.length <= FACT_DEALS_LIMIT);
      out.push({
        type: 'commission.approved',
        subjectType: 'partner',
        subjectId: g.partner_id,
        data: {
          partner_id: g.partner_id, amount: amount.toFixed(), currency: g.currency,
          entries: p.reduce((s, u) => s + u.entries, 0),
          customers: new Set(p.flatMap((u) => [...u.customers])).size,
          kinds: [...new Set(p.flatMap((u) => [...u.kinds]))].sort(),
          date_from: p.reduce((m, u) => (u.date_from < m ? u.date_from : m), p[0].date_from),
          date_to: p.reduce((m, u) => (u.date_to > m ? u.date_to : m), p[0].date_to),
          customer_ids: [...new Set(p.flatMap((u) => [...u.customers]))].sort(),
          facts: p.flatMap((u) => (u.fact ? [u.fact] : [])),
          deal_ids: dealList.sort(newestFirst).map((d) => d.deal_id),
          named_in_full: full,
          part: i + 1,
          parts: announced.length,
          ...extra,
        },
      });
    });
  }
  return out;
}
