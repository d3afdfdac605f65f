import type { Sql } from '../db/index.ts';
import { businessDate } from '../shared/dates.ts';
import type { RollupKey } from './rollups.ts';

type Data = Record<string, any>;

/** What one event touches: customers (all their owners are affected), partners, and a day range. */
interface Touch {
  customers: string[];
  partners: string[];
  from: string;
  to: string;
  /** The customers' own report rows need recomputing. */
  customerRows: boolean;
  /** Partners whose ancestor chains' subtree rollups must be summed again (the tree changed). */
  subtrees?: string[];
}

const ALL = { from: '-infinity', to: 'infinity' };

/** The rollup keys an outbox event touches, before customers are resolved to their owners. */
export async function touchOf(db: Sql, type: string, data: Data, timeZone: string): Promise<Touch | undefined> {
  const day = (iso: unknown) => (typeof iso === 'string' ? (iso.length === 10 ? iso : businessDate(iso, timeZone)) : undefined);
  const range = (a: unknown, b?: unknown) => {
    const from = day(a);
    return from ? { from, to: day(b) ?? from } : undefined;
  };
  switch (type) {
    case 'activity.upserted': {
      const r = range(data.date_from, data.date_to);
      return r && { customers: data.customer_ids ?? [], partners: [], ...r, customerRows: true };
    }
    case 'transaction.created':
    case 'transaction.status_changed': {
      const r = range(data.transaction?.transaction_date);
      return r && { customers: [data.transaction.customer_id], partners: [], ...r, customerRows: true };
    }
    case 'customer.registered':
    case 'customer.updated': {
      const id = data.customer?.customer_id;
      if (!id) return undefined;
      const changed: string[] = data.changed ?? [];
      // A new signup date or first deposit moves counts between days: take the customer's whole history.
      const wide = changed.some((c) => ['signup_date', 'first_deposit_at', 'first_deposit_transaction_id', 'campaign_id'].includes(c));
      const r = wide ? ALL : range(data.customer?.signup_date) ?? ALL;
      return { customers: [id], partners: [], ...r, customerRows: true };
    }
    case 'customer.attributed':
    case 'customer.reassigned': {
      const partners = [data.partner_id, data.previous_partner_id].filter((p): p is string => typeof p === 'string');
      // From the earlier of the period's start and the signup: a registration or first deposit nobody
      // owned on its day counts for the customer's first owner.
      const [c] = await db.query<{ signup: string }>('SELECT signup_date AS signup FROM customers WHERE customer_id = $1', [data.customer_id]);
      const starts = [day(data.effective_from), c ? day(new Date(c.signup).toISOString()) : undefined].filter((d): d is string => !!d).sort();
      return { customers: [data.customer_id], partners, from: starts[0] ?? '-infinity', to: 'infinity', customerRows: true };
    }
    case 'link.clicked': {
      const r = range(data.first_click_at, data.last_click_at);
      return r && { customers: [], partners: [data.partner_id], ...r, customerRows: false };
    }
    case 'commissions.updated': {
      const [run] = await db.query<{ date_from: string | null; date_to: string | null }>('SELECT date_from::text, date_to::text FROM commission_runs WHERE id = $1', [data.run_id]);
      return { customers: [], partners: data.partner_ids ?? [], from: run?.date_from ?? '-infinity', to: run?.date_to ?? 'infinity', customerRows: false };
    }
    case 'commission.status_changed': {
      const r = range(data.date_from, data.date_to);
      return r && { customers: [], partners: [data.partner_id].filter((p): p is string => typeof p === 'string'), ...r, customerRows: false };
    }
    case 'partner.moved': {
      // The moved partner's own and subtree rows stay; its old and new uplines' subtree totals change.
      const parents = [data.from_parent_id, data.to_parent_id].filter((p): p is string => typeof p === 'string');
      return { customers: [], partners: [], from: 'infinity', to: '-infinity', customerRows: false, subtrees: parents };
    }
    case 'fx_rates.updated': {
      const r = range(data.date_from, data.date_to);
      if (!r) return undefined;
      const partners = await db.query<{ partner_id: string }>('SELECT partner_id FROM partners');
      return { customers: [], partners: partners.map((p) => p.partner_id), ...r, customerRows: false };
    }
    default:
      return undefined;
  }
}

const earlier = (a: string, b: string) => (a === '-infinity' || (b !== '-infinity' && a < b) ? a : b);
const later = (a: string, b: string) => (a === 'infinity' || (b !== 'infinity' && a > b) ? a : b);

/** Merges touches into one key per partner (the union of its ranges) and the customers to refresh. */
export async function keysOf(db: Sql, touches: Touch[]): Promise<{ keys: RollupKey[]; customers: string[]; subtrees: string[] }> {
  const customers = [...new Set(touches.flatMap((t) => t.customers))];
  const owners = new Map<string, string[]>();
  if (customers.length) {
    const rows = await db.query<{ customer_id: string; partner_ids: string[] }>(
      'SELECT customer_id, array_agg(DISTINCT partner_id) AS partner_ids FROM attributions WHERE customer_id = ANY($1::text[]) GROUP BY customer_id',
      [customers],
    );
    for (const r of rows) owners.set(r.customer_id, r.partner_ids);
  }
  const ranges = new Map<string, { from: string; to: string }>();
  for (const t of touches) {
    const partners = new Set([...t.partners, ...t.customers.flatMap((c) => owners.get(c) ?? [])]);
    for (const p of partners) {
      const r = ranges.get(p);
      ranges.set(p, r ? { from: earlier(r.from, t.from), to: later(r.to, t.to) } : { from: t.from, to: t.to });
    }
  }
  const refresh = [...new Set(touches.filter((t) => t.customerRows).flatMap((t) => t.customers))];
  const subtrees = [...new Set(touches.flatMap((t) => t.subtrees ?? []))];
  return { keys: [...ranges].map(([partnerId, r]) => ({ partnerId, ...r })), customers: refresh, subtrees };
}
