import type { Sql } from '../db/index.ts';
import { computeCommissions, type EngineSettings } from '../commissions/engine/run.ts';
import { assignPlan, createPlan } from '../commissions/plan-store.ts';
import { upsertFxRates } from '../fx/rates.ts';
import type { DemoNetwork } from './partners.ts';

/** The standard IB plan: per lot by symbol group, CPA, and overrides for the masters above. */
export const DEMO_PLAN = {
  plan_id: 'std-ib',
  name: 'Standard IB',
  currency: 'USD',
  symbol_groups: [
    { group: 'fx_majors', symbols: ['EURUSD', 'GBPUSD', 'USDJPY'] },
    { group: 'metals', symbols: ['XAU*', 'XAG*'] },
  ],
  rules: [
    { type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '6' }, { group: 'fx_majors', rate: '4' }, { group: 'metals', rate: '8' }] },
    { type: 'cpa', amount: '200', country_amounts: { AE: '1000' }, min_first_deposit: '100', ftd_window_hours: 24, min_lots: '1', qualify_within_days: 90, require_kyc: true },
  ],
  hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1.50' }, { level: 2, percent_of_child: '10' }] },
  exclusions: { self_trading: true, require_kyc_approved: true, instruments: ['US30'] },
  client_rebate: { allowed: true },
};

/**
 * Puts the demo IBs on the standard plan, loads the EUR rates the EUR-paid sub-IB needs, and
 * computes January's commissions, so the ledger, earnings and explanations have something to show.
 */
export async function seedCommissionsDemo(tx: Sql, network: DemoNetwork, settings: EngineSettings): Promise<void> {
  await createPlan(tx, DEMO_PLAN, '2025-01-01', 'demo');
  for (const partner of [network.master, network.sub, network.subSub].filter((p) => p !== undefined))
    await assignPlan(tx, { partnerId: partner.partner_id, planId: 'std-ib', effectiveFrom: '2025-01-01', actor: 'demo' });
  const days = Array.from({ length: 31 }, (_, i) => `2026-01-${String(i + 1).padStart(2, '0')}`);
  await upsertFxRates(tx, days.map((date) => ({ date, base: 'EUR', quote: 'USD', rate: '1.0842', source: 'demo' })));
  await tx.query(`INSERT INTO commission_periods (period, closed_by) VALUES ('2026-01', 'demo') ON CONFLICT DO NOTHING`);
  await computeCommissions(tx, settings, { from: '2026-01-01', to: '2026-01-31', trigger: 'demo' });
}
