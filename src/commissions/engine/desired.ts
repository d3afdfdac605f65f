import type { NewLedgerEntry } from '../../ledger/write.ts';
import { addDays } from '../../shared/dates.ts';
import type { Explanation } from '../maths/explanation.ts';

export type SourceType = 'activity' | 'customer' | 'partner_day' | 'partner_period' | 'customer_period';

/**
 * What the ledger should hold for one (fact, rule, partner, level, currency), computed from current
 * facts: a ledger entry before it has a status or corrects anything.
 */
export interface DesiredEntry extends Omit<NewLedgerEntry, 'source_type' | 'explanation' | 'status' | 'corrects'> {
  source_type: SourceType;
  explanation: Explanation;
  /** A zero that must still be written once, so "no commission" is on record with its reason. */
  record_zero?: boolean;
}

/** The facts a run recomputed: existing entries inside it and not desired any more are reversed. */
export interface DiffScope {
  source_type: SourceType;
  from?: string;
  to?: string;
  keys?: string[];
  /** Only the entries of these customers' business dates (an incremental run's cells). */
  cells?: CustomerCell[];
  /** Only the entries of these partners' months, as `partner_id|YYYY-MM`. */
  partnerMonths?: string[];
  /** Only the entries credited to these partners. */
  partners?: string[];
  /** Only the entries of these rules. */
  rules?: string[];
}

/** One customer's business dates [from, to] that an incremental run recomputes. */
export interface CustomerCell {
  customer_id: string;
  from: string;
  to: string;
}

/** The cells with each customer's overlapping or adjacent ranges merged, sorted by customer and date. */
export function mergeCells(cells: readonly CustomerCell[]): CustomerCell[] {
  const sorted = [...cells].sort((a, b) => (a.customer_id === b.customer_id ? (a.from < b.from ? -1 : a.from > b.from ? 1 : 0) : a.customer_id < b.customer_id ? -1 : 1));
  const out: CustomerCell[] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && last.customer_id === c.customer_id && c.from <= addDays(last.to, 1)) {
      if (c.to > last.to) last.to = c.to;
    } else out.push({ ...c });
  }
  return out;
}

/**
 * SQL joining the cells, given as three array parameters starting at `$n`, to rows of `alias`
 * whose customer and date (`dateColumn`) fall in one: `JOIN … ON …`.
 */
export function cellJoin(alias: string, dateColumn: string, n: number): string {
  return `JOIN unnest($${n}::text[], $${n + 1}::date[], $${n + 2}::date[]) AS cell(customer_id, d_from, d_to)
    ON cell.customer_id = ${alias}.customer_id AND ${alias}.${dateColumn} BETWEEN cell.d_from AND cell.d_to`;
}

export const cellParams = (cells: readonly CustomerCell[]) => [cells.map((c) => c.customer_id), cells.map((c) => c.from), cells.map((c) => c.to)];
