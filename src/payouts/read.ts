import { getPayoutDetails, maskPayoutDetails, type PayoutDetails } from '../partners/payout-details.ts';
import type { Sql } from '../db/index.ts';
import { type Checkpoint, statementCheckpoints } from '../ledger/checkpoints.ts';
import type { StatementLine } from './lines.ts';

export interface StatementView {
  statement_id: string;
  run_id: string;
  period: string;
  period_start: string;
  period_end: string;
  partner_id: string;
  partner_name: string;
  currency: string;
  status: 'draft' | 'reviewed' | 'approved' | 'paid' | 'held' | 'rejected' | 'carried' | 'failed';
  opening_balance: string;
  period_amount: string;
  ledger_total: string;
  rounded_total: string;
  rounding_difference: string;
  amount_payable: string;
  carried_forward: string;
  carry_reason: string | null;
  /** Why a payout gate held the statement (docs/compliance.md), or null. */
  compliance_hold: string | null;
  /** The partner terms version in force (the one the partner had accepted) when the statement was drafted. */
  terms_version: number | null;
  status_reason: string | null;
  paid_reference: string | null;
  paid_on: string | null;
  entries: number;
  created_at: string;
  updated_at: string;
}

const SELECT = `SELECT s.statement_id, s.run_id, s.period, r.period_start::text AS period_start, r.period_end::text AS period_end,
  s.partner_id, p.name AS partner_name, s.currency::text AS currency, s.status, s.opening_balance, s.period_amount, s.ledger_total,
  s.rounded_total, s.rounding_difference, s.amount_payable, s.carried_forward, s.carry_reason, s.compliance_hold, s.terms_version, s.status_reason, s.paid_reference,
  s.paid_on::text AS paid_on, (SELECT count(*)::int FROM payout_statement_entries pe WHERE pe.statement_id = s.statement_id) AS entries,
  s.created_at, s.updated_at
  FROM payout_statements s JOIN payout_runs r USING (run_id) JOIN partners p ON p.partner_id = s.partner_id`;

export async function getStatement(
  db: Sql,
  statementId: string,
): Promise<(StatementView & { lines: StatementLine[]; payout_to: PayoutDetails | null; checkpoint: Checkpoint | null }) | undefined> {
  const [row] = await db.query<StatementView & { lines: StatementLine[] }>(
    SELECT.replace('SELECT s.statement_id', 'SELECT s.lines, s.statement_id') + ' WHERE s.statement_id = $1',
    [statementId],
  );
  if (!row) return undefined;
  // Where the money goes, masked to the last four characters: a statement travels further than the settings page.
  const details = await getPayoutDetails(db, row.partner_id);
  // The latest signed checkpoint naming this statement (issued when it was drafted, again when it was paid).
  const checkpoint = (await statementCheckpoints(db, [statementId])).get(statementId) ?? null;
  return { ...row, payout_to: details ? maskPayoutDetails(details) : null, checkpoint };
}

export function listStatements(db: Sql, f: { runId?: string; partnerId?: string; status?: string }): Promise<StatementView[]> {
  return db.query<StatementView>(
    `${SELECT} WHERE ($1::text IS NULL OR s.run_id = $1) AND ($2::text IS NULL OR s.partner_id = $2) AND ($3::text IS NULL OR s.status = $3)
     ORDER BY s.created_at, s.partner_id, s.currency LIMIT 5000`,
    [f.runId ?? null, f.partnerId ?? null, f.status ?? null],
  );
}

export interface RunView {
  run_id: string;
  period: string;
  period_start: string;
  period_end: string;
  as_of: string;
  created_by: string;
  created_at: string;
  by_status: Record<string, number>;
}

export async function getRun(db: Sql, runId: string): Promise<RunView | undefined> {
  const [row] = await db.query<RunView>(
    `SELECT r.run_id, r.period, r.period_start::text AS period_start, r.period_end::text AS period_end, r.as_of::text AS as_of, r.created_by, r.created_at,
       coalesce((SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*)::int AS n FROM payout_statements WHERE run_id = r.run_id GROUP BY status) x), '{}'::jsonb) AS by_status
     FROM payout_runs r WHERE r.run_id = $1`,
    [runId],
  );
  return row;
}

/** The internal ids of the ledger entries a statement covers. */
export async function statementEntryIds(db: Sql, statementId: string): Promise<number[]> {
  const rows = await db.query<{ entry_id: number }>('SELECT entry_id FROM payout_statement_entries WHERE statement_id = $1 ORDER BY entry_id', [statementId]);
  return rows.map((r) => r.entry_id);
}
