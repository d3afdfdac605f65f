import type { Sql } from '../db/index.ts';
import { actOnStatement } from '../payouts/actions.ts';
import { parsePeriod } from '../payouts/periods.ts';
import { createRun } from '../payouts/runs.ts';
import { loadPayoutSettings } from '../payouts/settings.ts';

const ACTOR = 'demo-admin';

/**
 * A payout run for the demo network's January 2026 (computed and closed by the commissions demo):
 * the largest statement approved, the next held.
 */
export async function seedPayoutDemo(tx: Sql): Promise<void> {
  const settings = loadPayoutSettings({});
  const runId = await createRun(tx, settings, { period: parsePeriod('2026-01', 'monthly'), asOf: '2026-02-05', actor: ACTOR }, '2026-02-05');
  const drafts = await tx.query<{ statement_id: string }>(`SELECT statement_id FROM payout_statements WHERE run_id = $1 AND status = 'draft' ORDER BY amount_payable DESC`, [runId]);
  if (drafts[0]) await actOnStatement(tx, drafts[0].statement_id, { action: 'approve', actor: ACTOR });
  if (drafts[1]) await actOnStatement(tx, drafts[1].statement_id, { action: 'hold', reason: 'Waiting for updated bank details', actor: ACTOR });
}
