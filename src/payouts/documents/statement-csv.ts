import { stringify } from 'csv-stringify/sync';
import { type PayoutDetails, payoutDetailsLine } from '../../partners/payout-details.ts';
import type { StatementLine } from '../lines.ts';
import type { Checkpoint } from '../../ledger/checkpoints.ts';
import type { StatementView } from '../read.ts';
import { csvCell } from '../../shared/csv.ts';

const cell = (v: string | null) => csvCell(v) ?? '';

/** The statement as CSV: a header block of totals, then one row per line with its exact and rounded amounts. */
export function statementCsv(s: StatementView & { lines: StatementLine[]; payout_to?: PayoutDetails | null; checkpoint?: Checkpoint | null }): string {
  const rows: string[][] = [
    ['record', 'section', 'customer_id', 'instrument', 'kind', 'level', 'entries', 'ledger_amount', 'amount', 'rounding'],
    ...s.lines.map((l) => ['line', l.section, cell(l.customer_id), cell(l.instrument), l.kind, String(l.level), String(l.entries), l.ledger_amount, l.amount, l.rounding]),
  ];
  const summary: [string, string][] = [
    ['statement_id', s.statement_id],
    ['partner_id', cell(s.partner_id)],
    ['partner_name', cell(s.partner_name)],
    ['period', s.period],
    ['currency', s.currency],
    ['status', s.status],
    ['opening_balance', s.opening_balance],
    ['period_amount', s.period_amount],
    ['ledger_total', s.ledger_total],
    ['rounded_total', s.rounded_total],
    ['rounding_difference', s.rounding_difference],
    ['amount_payable', s.amount_payable],
    ['carried_forward', s.carried_forward],
    ['carry_reason', s.carry_reason ?? ''],
    ['compliance_hold', s.compliance_hold ?? ''],
    ['terms_version', s.terms_version === null ? '' : String(s.terms_version)],
    ['payout_to', payoutDetailsLine(s.payout_to)],
  ];
  for (const [k, v] of summary) rows.push(['total', k, '', '', '', '', '', '', cell(v), '']);
  // The signed checkpoint, for openib verify (docs/verification.md): payload and signature exactly as signed.
  const c = s.checkpoint;
  if (c)
    for (const [k, v] of [['checkpoint_id', String(c.checkpoint_id)], ['seq', String(c.seq)], ['head', c.head], ['key_id', c.key_id], ['payload', c.payload], ['signature', c.signature]])
      rows.push(['checkpoint', k, '', '', '', '', '', '', v, '']);
  return stringify(rows);
}
