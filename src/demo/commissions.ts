import type { Sql } from '../db/index.ts';
import { computeCommissions, type EngineSettings } from '../commissions/engine/run.ts';
import { assignPlan, createPlan } from '../commissions/plan-store.ts';
import { upsertFxRates } from '../fx/rates.ts';
import { PLAN_EXAMPLE } from '../commissions/plan-schema.ts';
import type { DemoCalendar } from './calendar.ts';
import type { DemoNetwork } from './partners.ts';

/**
 * The documented example plan, trimmed for a small demo: per lot by symbol group and CPA
 * (one lot is enough to qualify), with the example's overrides, exclusions and client rebates.
 */
export const DEMO_PLAN = {
  ...PLAN_EXAMPLE,
  rules: PLAN_EXAMPLE.rules
    .filter((r) => r.type === 'per_lot' || r.type === 'cpa')
    .map((r) => (r.type === 'cpa' ? { ...r, min_lots: '1' } : r)),
  exclusions: { ...PLAN_EXAMPLE.exclusions, min_hold_seconds: 0 },
};

/**
 * Puts the demo IBs on the standard plan, loads the EUR rates the EUR-paid sub-IB needs, closes the
 * calendar's two oldest months and computes the commissions of the whole history, so the ledger,
 * earnings and explanations have something to show.
 */
export async function seedCommissionsDemo(tx: Sql, network: DemoNetwork, settings: EngineSettings, cal: DemoCalendar, now: string): Promise<void> {
  await createPlan(tx, DEMO_PLAN, '2025-01-01', 'demo');
  for (const partner of [network.master, network.sub, network.subSub].filter((p) => p !== undefined))
    await assignPlan(tx, { partnerId: partner.partner_id, planId: 'std-ib', effectiveFrom: '2025-01-01', actor: 'demo' });
  const days = Array.from({ length: cal.days + 1 }, (_, i) => new Date(Date.parse(`${cal.start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
  await upsertFxRates(tx, days.map((date) => ({ date, base: 'EUR', quote: 'USD', rate: '1.0842', source: 'demo' })));
  for (const period of cal.closed) await tx.query(`INSERT INTO commission_periods (period, closed_by) VALUES ($1, 'demo') ON CONFLICT DO NOTHING`, [period]);
  await computeCommissions(tx, settings, { from: cal.start, to: cal.yesterday, trigger: 'demo', now });
}
