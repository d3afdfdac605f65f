import type { Sql } from '../../db/index.ts';
import { businessDate } from '../../shared/dates.ts';
import { type CustomerCell, mergeCells } from './desired.ts';
import { lastDayOf, periodOf } from './periods.ts';

type Data = Record<string, any>;

/** What a batch of outbox events asks the engine to recompute. */
export interface Work {
  /** Whole months for everyone: plans, the tree and fx rates reach any customer. */
  full?: { from: string; to: string };
  /** One incremental run over these cells: each customer's business dates that events touched. */
  cells: CustomerCell[];
}

/** Events that change what partners earn, whoever's customers they concern. */
const WIDE = new Set(['partner.moved', 'fx_rates.updated', 'plan.version_created', 'partner.plan_assigned', 'jurisdiction_policy.version_created']);
/** Events about one customer (or a batch of customers). */
const CUSTOMER = new Set(['activity.upserted', 'transaction.created', 'transaction.status_changed', 'customer.registered', 'customer.updated', 'customer.attributed', 'customer.reassigned']);

/** The business dates an event touches: [from, to], where to = undefined means "up to today". */
export function affectedRange(type: string, data: Data, timeZone: string): { from: string; to?: string } | undefined {
  const day = (iso: unknown) => (typeof iso === 'string' ? (iso.length === 10 ? iso : businessDate(iso, timeZone)) : undefined);
  switch (type) {
    case 'activity.upserted':
    case 'fx_rates.updated': {
      const from = day(data.date_from);
      return from ? { from, to: day(data.date_to) ?? from } : undefined;
    }
    case 'transaction.created':
    case 'transaction.status_changed': {
      const d = day(data.transaction?.transaction_date);
      return d ? { from: d, to: d } : undefined;
    }
    case 'customer.registered': {
      const d = day(data.customer?.signup_date);
      return d ? { from: d, to: d } : undefined;
    }
    case 'customer.updated': {
      const changed: string[] = data.changed ?? [];
      if (!changed.some((c) => ['kyc_status_id', 'country_code', 'signup_date'].includes(c))) return undefined;
      const d = day(data.customer?.signup_date);
      return d ? { from: d } : undefined;
    }
    default: {
      const d = day(data.effective_from ?? data.attribution?.effective_from);
      return d ? { from: d } : undefined;
    }
  }
}

/** The customers a customer-level event is about. */
function customersOf(type: string, data: Data): string[] | undefined {
  const ids =
    type === 'activity.upserted' ? data.customer_ids
    : type.startsWith('transaction.') ? [data.transaction?.customer_id]
    : type === 'customer.registered' || type === 'customer.updated' ? [data.customer?.customer_id]
    : [data.customer_id ?? data.attribution?.customer_id];
  if (!Array.isArray(ids) || !ids.length || !ids.every((id) => typeof id === 'string' && id.length > 0)) return undefined;
  return ids as string[];
}

/**
 * Turns outbox events into work: customer-level events become cells (a customer's business dates)
 * of one incremental run; plan, tree and fx changes, and any customer-level event whose customers
 * cannot be told, become whole months. Cells already inside the whole months are dropped.
 */
export function workOf(events: { type: string; data: Data }[], timeZone: string, today: string): Work {
  let full: Work['full'];
  const cells: CustomerCell[] = [];
  const widen = (from: string, to: string) => {
    full = { from: full && full.from < from ? full.from : from, to: full && full.to > to ? full.to : to };
  };
  for (const e of events) {
    if (!WIDE.has(e.type) && !CUSTOMER.has(e.type)) continue;
    const range = affectedRange(e.type, e.data ?? {}, timeZone);
    if (!range) continue;
    const from = range.from;
    const to = (range.to ?? today) < from ? from : range.to ?? today;
    const customers = CUSTOMER.has(e.type) ? customersOf(e.type, e.data ?? {}) : undefined;
    if (!customers) {
      widen(from, to);
      continue;
    }
    for (const c of customers) cells.push({ customer_id: c, from, to });
  }
  const covered = (c: CustomerCell) => full !== undefined && `${periodOf(full.from)}-01` <= c.from && c.to <= lastDayOf(periodOf(full.to));
  return { full, cells: mergeCells(cells.filter((c) => !covered(c))) };
}

/** Queues cells for the commission engine's next incremental run (other areas mark customers dirty through this). */
export async function queueCells(tx: Sql, cells: readonly CustomerCell[]): Promise<void> {
  if (!cells.length) return;
  await tx.query('INSERT INTO commission_dirty_cells (customer_id, date_from, date_to) SELECT * FROM unnest($1::text[], $2::date[], $3::date[])', [
    cells.map((c) => c.customer_id),
    cells.map((c) => c.from),
    cells.map((c) => c.to),
  ]);
}
