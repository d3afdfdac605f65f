import type { Sql } from '../db/index.ts';
import { actOnStatement } from '../payouts/actions.ts';
import { parsePeriod } from '../payouts/periods.ts';
import { createRun } from '../payouts/runs.ts';
import { loadPayoutSettings } from '../payouts/settings.ts';
import { type DemoCalendar, monthFrom } from './calendar.ts';

const ACTOR = 'demo-admin';

/**
 * Payout runs for the two months the commissions demo closed: the older one approved and paid in
 * full; the newer one under review, its largest statement approved, the next held, any others draft.
 * The last full month stays open (no run), for finance to close.
 */
export async function seedPayoutDemo(tx: Sql, cal: DemoCalendar, beforeReviewRun: () => Promise<void> = async () => {}): Promise<void> {
  const settings = loadPayoutSettings({});
  const [paidMonth, reviewMonth] = cal.closed;
  const draftsOf = async (month: string) => {
    const asOf = `${monthFrom(`${month}-01`, 1)}-05`;
    const runId = await createRun(tx, settings, { period: parsePeriod(month, 'monthly'), asOf, actor: ACTOR }, cal.today);
    return tx.query<{ statement_id: string; partner_id: string }>(`SELECT statement_id, partner_id FROM payout_statements WHERE run_id = $1 AND status = 'draft' ORDER BY amount_payable DESC`, [runId]);
  };

  const paid = await draftsOf(paidMonth);
  for (const [i, s] of paid.entries()) {
    await actOnStatement(tx, s.statement_id, { action: 'approve', actor: ACTOR });
    await actOnStatement(tx, s.statement_id, { action: 'pay', reference: `WIRE-${paidMonth}-${String(i + 1).padStart(3, '0')}`, paidOn: `${monthFrom(`${paidMonth}-01`, 1)}-10`, actor: ACTOR });
  }

  // Compliance gates are switched on between the runs: the review month holds a partner that misses them.
  await beforeReviewRun();
  const review = await draftsOf(reviewMonth);
  if (review[0]) await actOnStatement(tx, review[0].statement_id, { action: 'approve', actor: ACTOR });
  if (review[1]) await actOnStatement(tx, review[1].statement_id, { action: 'hold', reason: 'Waiting for updated bank details', actor: ACTOR });
}
