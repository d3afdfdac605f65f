import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { AppError, validationFailed } from '../shared/errors.ts';
import type { PartnerTerms } from './partner-terms.ts';
import { validatePartnerTerms } from './partner-terms.ts';
import type { Plan } from './plan-schema.ts';
import { validatePlan } from './plan-validation.ts';

export interface PlanVersion {
  plan_id: string;
  version: number;
  effective_from: string;
  definition: Plan;
  created_at: string;
  created_by: string | null;
}

function planOrThrow(input: unknown): Plan {
  const { plan, issues } = validatePlan(input);
  if (!plan) throw validationFailed(issues.map((i) => ({ field: i.field, reason: i.reason })), 'The plan is invalid; nothing was stored. See details.');
  return plan;
}

/** Creates a plan with its first version, in force from effective_from (the beginning of history by default). */
export async function createPlan(tx: Sql, input: unknown, effectiveFrom = '1970-01-01', actor?: string): Promise<PlanVersion> {
  const plan = planOrThrow(input);
  const [created] = await tx.query<{ plan_id: string }>(
    `INSERT INTO plans (plan_id, name, currency) VALUES ($1, $2, $3) ON CONFLICT (plan_id) DO NOTHING RETURNING plan_id`,
    [plan.plan_id, plan.name, plan.currency],
  );
  if (!created) throw new AppError(409, 'plan_exists', `A plan "${plan.plan_id}" exists already; PUT /api/v1/plans/${plan.plan_id} adds a version.`);
  return insertVersion(tx, plan, 1, effectiveFrom, actor);
}

/**
 * Adds a version in force from effective_from. Facts dated before it keep the version that was in
 * force on their date; a version with the same effective_from as an earlier one supersedes it (a fix).
 */
export async function addPlanVersion(tx: Sql, planId: string, input: unknown, effectiveFrom: string, actor?: string): Promise<PlanVersion> {
  const plan = planOrThrow(input);
  if (plan.plan_id !== planId) throw validationFailed([{ field: 'plan_id', reason: `must be "${planId}", the plan in the path` }]);
  await tx.query('SELECT 1 FROM plans WHERE plan_id = $1 FOR UPDATE', [planId]);
  const [row] = await tx.query<{ version: number }>('SELECT max(version) AS version FROM plan_versions WHERE plan_id = $1', [planId]);
  if (!row || row.version === null) throw new AppError(404, 'not_found', `No plan "${planId}"; create it with POST /api/v1/plans.`);
  if (plan.currency !== (await getPlanCurrency(tx, planId)))
    throw validationFailed([{ field: 'currency', reason: 'cannot change between versions; create a new plan instead' }]);
  await tx.query('UPDATE plans SET name = $2, updated_at = now() WHERE plan_id = $1', [planId, plan.name]);
  return insertVersion(tx, plan, row.version + 1, effectiveFrom, actor);
}

async function getPlanCurrency(tx: Sql, planId: string) {
  const [row] = await tx.query<{ currency: string }>('SELECT currency FROM plans WHERE plan_id = $1', [planId]);
  return row?.currency;
}

async function insertVersion(tx: Sql, plan: Plan, version: number, effectiveFrom: string, actor?: string): Promise<PlanVersion> {
  const [row] = await tx.query<PlanVersion>(
    `INSERT INTO plan_versions (plan_id, version, effective_from, definition, created_by) VALUES ($1, $2, $3, $4::jsonb, $5)
     RETURNING plan_id, version, effective_from::text, definition, created_at, created_by`,
    [plan.plan_id, version, effectiveFrom, JSON.stringify(plan), actor ?? null],
  );
  await appendEvents(tx, [{ type: 'plan.version_created', subjectType: 'plan', subjectId: plan.plan_id, data: { plan_id: plan.plan_id, version, effective_from: effectiveFrom } }]);
  return row;
}

export async function listPlanVersions(db: Sql, planId?: string): Promise<PlanVersion[]> {
  return db.query<PlanVersion>(
    `SELECT plan_id, version, effective_from::text, definition, created_at, created_by FROM plan_versions
     WHERE $1::text IS NULL OR plan_id = $1 ORDER BY plan_id, version`,
    [planId ?? null],
  );
}

export interface PlanAssignment {
  partner_id: string;
  plan_id: string;
  effective_from: string;
  effective_to: string | null;
  terms: PartnerTerms;
}

/**
 * Puts a partner on a plan from a date (with its own terms); the assignment before it ends there.
 * Re-assigning on the same date replaces that assignment.
 */
export async function assignPlan(
  tx: Sql,
  input: { partnerId: string; planId: string; effectiveFrom: string; terms?: unknown; actor?: string },
): Promise<PlanAssignment[]> {
  const versions = await listPlanVersions(tx, input.planId);
  if (!versions.length) throw new AppError(404, 'not_found', `No plan "${input.planId}".`);
  let terms: PartnerTerms = {};
  if (input.terms !== undefined) {
    const checked = validatePartnerTerms(input.terms, versions[versions.length - 1].definition);
    if (!checked.terms) throw validationFailed(checked.issues.map((i) => ({ field: `terms.${i.field}`, reason: i.reason })));
    terms = checked.terms;
  }
  await tx.query('SELECT 1 FROM partners WHERE partner_id = $1 FOR UPDATE', [input.partnerId]);
  await tx.query(
    `INSERT INTO partner_plans (partner_id, plan_id, effective_from, terms, created_by) VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT (partner_id, effective_from) DO UPDATE SET plan_id = EXCLUDED.plan_id, terms = EXCLUDED.terms, created_by = EXCLUDED.created_by, created_at = now()`,
    [input.partnerId, input.planId, input.effectiveFrom, JSON.stringify(terms), input.actor ?? null],
  );
  // Each assignment runs until the next one starts.
  await tx.query(
    `UPDATE partner_plans p SET effective_to = n.next_from FROM (
       SELECT effective_from, lead(effective_from) OVER (ORDER BY effective_from) AS next_from FROM partner_plans WHERE partner_id = $1) n
     WHERE p.partner_id = $1 AND p.effective_from = n.effective_from AND p.effective_to IS DISTINCT FROM n.next_from`,
    [input.partnerId],
  );
  await appendEvents(tx, [
    { type: 'partner.plan_assigned', subjectType: 'partner', subjectId: input.partnerId, data: { partner_id: input.partnerId, plan_id: input.planId, effective_from: input.effectiveFrom } },
  ]);
  return partnerPlanHistory(tx, input.partnerId);
}

export async function partnerPlanHistory(db: Sql, partnerId: string): Promise<PlanAssignment[]> {
  return db.query<PlanAssignment>(
    `SELECT partner_id, plan_id, effective_from::text, effective_to::text, terms FROM partner_plans WHERE partner_id = $1 ORDER BY effective_from`,
    [partnerId],
  );
}
