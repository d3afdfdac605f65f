import { createPlan, assignPlan } from '../commissions/plan-store.ts';
import { computeCommissions } from '../commissions/engine/run.ts';
import type { Sql } from '../db/index.ts';
import { actOnStatement } from '../payouts/actions.ts';
import { parsePeriod } from '../payouts/periods.ts';
import { createRun } from '../payouts/runs.ts';
import { loadPayoutSettings } from '../payouts/settings.ts';

const ACTOR = 'demo-admin';

/**
 * Commissions and a payout run for the demo network: the partners on a per-lot plan with an
 * override for uplines, January 2026 computed and closed, and a run whose first statement is
 * approved and second held.
 */
export async function seedPayoutDemo(tx: Sql): Promise<void> {
  await createPlan(
    tx,
    {
      plan_id: 'demo-ib', name: 'Demo IB plan', currency: 'USD',
      symbol_groups: [{ group: 'fx_majors', symbols: ['EURUSD', 'GBPUSD', 'USDJPY'] }, { group: 'metals', symbols: ['XAU*'] }],
      rules: [{ type: 'per_lot', rates: [{ group: 'fx_majors', rate: '6' }, { group: 'metals', rate: '8' }] }],
      hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1.5' }] },
    },
    '2026-01-01',
    ACTOR,
  );
  const partners = await tx.query<{ partner_id: string }>(`SELECT partner_id FROM partners WHERE affiliate_id LIKE 'IB-10%' ORDER BY affiliate_id`);
  for (const p of partners) await assignPlan(tx, { partnerId: p.partner_id, planId: 'demo-ib', effectiveFrom: '2026-01-01', actor: ACTOR });
  const engine = { brokerTimeZone: 'UTC', kycApproved: ['approved', 'verified', 'passed'], kycRejected: ['rejected', 'declined', 'failed'] };
  await tx.query(`INSERT INTO commission_periods (period, closed_by) VALUES ('2026-01', $1) ON CONFLICT DO NOTHING`, [ACTOR]);
  await computeCommissions(tx, engine, { from: '2026-01-01', to: '2026-01-31', trigger: 'demo' });
  const settings = loadPayoutSettings({});
  const runId = await createRun(tx, settings, { period: parsePeriod('2026-01', 'monthly'), asOf: '2026-02-05', actor: ACTOR }, '2026-02-05');
  const drafts = await tx.query<{ statement_id: string }>(`SELECT statement_id FROM payout_statements WHERE run_id = $1 AND status = 'draft' ORDER BY amount_payable DESC`, [runId]);
  if (drafts[0]) await actOnStatement(tx, drafts[0].statement_id, { action: 'approve', actor: ACTOR });
  if (drafts[1]) await actOnStatement(tx, drafts[1].statement_id, { action: 'hold', reason: 'Waiting for updated bank details', actor: ACTOR });
}
