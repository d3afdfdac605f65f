import type { Explanation } from '../maths/explanation.ts';

export type SourceType = 'activity' | 'customer' | 'partner_day' | 'partner_period' | 'customer_period';

/** What the ledger should hold for one (fact, rule, partner, level, currency), computed from current facts. */
export interface DesiredEntry {
  source_type: SourceType;
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
  /** Only the entries of these customers (an incremental run's customers). */
  customers?: string[];
  /** Only the entries credited to these partners. */
  partners?: string[];
  /** Only the entries of these rules. */
  rules?: string[];
}
