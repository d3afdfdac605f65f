import { stringify } from 'csv-stringify/sync';
import { RECONCILIATION_COLUMNS, type ReconciliationRow } from './reconcile.ts';
import { csvCell } from '../shared/csv.ts';

const safe = (v: string | null) => csvCell(v) ?? '';

/** One row per compared (partner, day, currency[, customer]), the columns of RECONCILIATION_COLUMNS. */
export function reconciliationCsv(rows: ReconciliationRow[]): string {
  return stringify([[...RECONCILIATION_COLUMNS], ...rows.map((r) => RECONCILIATION_COLUMNS.map((c) => safe(r[c] as string | null)))]);
}
