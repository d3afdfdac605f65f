import type { Database } from '../../db/index.ts';
import { Dec } from '../../shared/decimal.ts';
import { notFound, validationFailed } from '../../shared/errors.ts';
import type { Plan } from '../plan-schema.ts';
import { listPlanVersions } from '../plan-store.ts';
import { validatePlan } from '../plan-validation.ts';
import { computeCommissions, type EngineSettings } from './run.ts';

interface Totals {
  partner_id: string;
  currency: string;
  simulated: string;
  actual: string;
  difference: string;
}

/**
 * An unsaved plan document, checked exactly as saving it would be (the same field paths in the errors), for the same
 * plan as the path names.
 */
function draftPlan(planId: string, input: unknown): Plan {
  const { plan, issues } = validatePlan(input);
  if (!plan) throw validationFailed(issues.map((i) => ({ field: i.field, reason: i.reason })), 'The edited plan is invalid; nothing was simulated. See details.');
  if (plan.plan_id !== planId) throw validationFailed([{ field: 'plan_id', reason: `must be "${planId}", the plan in the path` }]);
  return plan;
}

/**
 * What the plan would have paid the partners over [from, to] (whole months), next to what they actually earned: its
 * latest stored version, or `draft`, an edited version not saved yet (a plan not created yet too). The computation
 * runs in a transaction that is always rolled back.
 */
export async function simulatePlan(db: Database, settings: EngineSettings, req: { planId: string; from: string; to: string; partnerIds?: string[]; now?: string; draft?: unknown }) {
  const versions = await listPlanVersions(db, req.planId);
  const stored = versions[versions.length - 1];
  const latest =
    req.draft !== undefined
      ? { plan_id: req.planId, version: (stored?.version ?? 0) + 1, definition: draftPlan(req.planId, req.draft) }
      : stored;
  if (!latest) throw notFound(`Plan "${req.planId}"`);
  const partnerIds =
    req.partnerIds ?? (await db.query<{ partner_id: string }>('SELECT DISTINCT partner_id FROM partner_plans WHERE plan_id = $1', [req.planId])).map((r) => r.partner_id);
  const summary = await db
    .transaction(async (tx) => {
      const result = await computeCommissions(tx, settings, {
        from: req.from,
        to: req.to,
        trigger: 'simulation',
        now: req.now,
        simulate: { partnerIds, plan: { plan: latest.definition, plan_id: latest.plan_id, version: latest.version, terms: {} } },
      });
      throw Object.assign(new Error('rollback'), { result });
    })
    .catch((err: { result?: Awaited<ReturnType<typeof computeCommissions>> }) => {
      if (err.result) return err.result;
      throw err;
    });
  const wanted = new Set(partnerIds);
  const simulated = new Map<string, Dec>();
  for (const d of summary.desired) {
    if (!wanted.has(d.partner_id)) continue;
    const k = `${d.partner_id}|${d.currency}`;
    simulated.set(k, (simulated.get(k) ?? new Dec(0)).plus(d.amount));
  }
  const actualRows = await db.query<{ partner_id: string; currency: string; amount: string }>(
    `SELECT e.partner_id, e.currency, sum(e.amount) AS amount FROM ledger_entries e
     WHERE e.partner_id = ANY($1::text[]) AND e.fact_date BETWEEN $2::date AND $3::date GROUP BY 1, 2`,
    [partnerIds, summary.from, summary.to],
  );
  const actual = new Map(actualRows.map((r) => [`${r.partner_id}|${r.currency}`, new Dec(r.amount)]));
  const keys = new Set([...simulated.keys(), ...actual.keys()]);
  const rows: Totals[] = [...keys].sort().map((k) => {
    const [partner_id, currency] = k.split('|');
    const s = simulated.get(k) ?? new Dec(0);
    const a = actual.get(k) ?? new Dec(0);
    return { partner_id, currency, simulated: s.toFixed(), actual: a.toFixed(), difference: s.minus(a).toFixed() };
  });
  return { plan_id: req.planId, version: latest.version, draft: req.draft !== undefined, from: summary.from, to: summary.to, partners: rows };
}
