import type { Sql } from '../db/index.ts';
import { computeCommissions, type EngineSettings } from '../commissions/engine/run.ts';
import { createPolicy } from '../commissions/jurisdiction/policy-store.ts';
import type { PolicyDefinition } from '../commissions/jurisdiction/policy-schema.ts';
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
 * ASIC's product intervention order for the demo's Australian clients: no client rebates, and IB
 * pay capped at 3 pips per lot on FX majors and 5 USD per lot on gold and silver.
 */
export const DEMO_ASIC_POLICY: PolicyDefinition = {
  policy_id: 'asic-au',
  name: 'ASIC product intervention (Australian retail clients)',
  regulator: 'ASIC',
  countries: ['AU'],
  currency: 'USD',
  client_rebates: 'off',
  per_lot_caps: [
    { symbols: ['EURUSD', 'GBPUSD', 'AUDUSD', 'NZDUSD'], pips: '3' },
    { symbols: ['XAU*', 'XAG*'], amount: '5' },
  ],
};

/**
 * Puts the demo IBs on the standard plan, loads the EUR rates the EUR-paid sub-IB needs, closes the
 * calendar's two oldest months and computes the commissions of the whole history, so the ledger,
 * earnings and explanations have something to show.
 */
export async function seedCommissionsDemo(tx: Sql, network: DemoNetwork, settings: EngineSettings, cal: DemoCalendar, now: string): Promise<void> {
  await createPlan(tx, DEMO_PLAN, '2025-01-01', 'demo');
  for (const partner of [network.master, network.sub, network.subSub].filter((p) => p !== undefined))
    await assignPlan(tx, {
      partnerId: partner.partner_id, planId: 'std-ib', effectiveFrom: '2025-01-01', actor: 'demo',
      // The master IB gives its clients 1 USD per lot back, except where a jurisdiction forbids it.
      ...(partner === network.master ? { terms: { client_rebate: { per_lot: '1' } } } : {}),
    });
  await createPolicy(tx, DEMO_ASIC_POLICY, '2025-01-01', 'demo');
  const days = Array.from({ length: cal.days + 1 }, (_, i) => new Date(Date.parse(`${cal.start}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
  await upsertFxRates(tx, days.map((date) => ({ date, base: 'EUR', quote: 'USD', rate: '1.0842', source: 'demo' })));
  for (const period of cal.closed) await tx.query(`INSERT INTO commission_periods (period, closed_by) VALUES ($1, 'demo') ON CONFLICT DO NOTHING`, [period]);
  await computeCommissions(tx, settings, { from: cal.start, to: cal.yesterday, trigger: 'demo', now });
}
