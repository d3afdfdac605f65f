import type { Sql } from '../../db/index.ts';
import { appendEvents } from '../../events/outbox.ts';
import { AppError, notFound, validationFailed } from '../../shared/errors.ts';
import { type PolicyDefinition, validatePolicy } from './policy-schema.ts';

export interface PolicyVersion {
  policy_id: string;
  version: number;
  effective_from: string;
  definition: PolicyDefinition;
  created_at: string;
  created_by: string | null;
}

export function policyOrThrow(input: unknown): PolicyDefinition {
  const { policy, issues } = validatePolicy(input);
  if (!policy) throw validationFailed(issues, 'The jurisdiction policy is invalid; nothing was stored. See details.');
  return policy;
}

/** Creates a policy with its first version, in force from effective_from (the beginning of history by default). */
export async function createPolicy(tx: Sql, input: unknown, effectiveFrom = '1970-01-01', actor?: string): Promise<PolicyVersion> {
  const policy = policyOrThrow(input);
  const [created] = await tx.query<{ policy_id: string }>(
    'INSERT INTO jurisdiction_policies (policy_id, name) VALUES ($1, $2) ON CONFLICT (policy_id) DO NOTHING RETURNING policy_id',
    [policy.policy_id, policy.name],
  );
  if (!created) throw new AppError(409, 'policy_exists', `A jurisdiction policy "${policy.policy_id}" exists already; PUT /api/v1/jurisdiction-policies/${policy.policy_id} adds a version.`);
  return insertVersion(tx, policy, 1, effectiveFrom, actor);
}

/**
 * Adds a version in force from effective_from: facts dated before it keep the version in force on
 * their date; a version with the same effective_from as an earlier one supersedes it (a fix).
 */
export async function addPolicyVersion(tx: Sql, policyId: string, input: unknown, effectiveFrom: string, actor?: string): Promise<PolicyVersion> {
  const policy = policyOrThrow(input);
  if (policy.policy_id !== policyId) throw validationFailed([{ field: 'policy_id', reason: `must be "${policyId}", the policy in the path` }]);
  const [locked] = await tx.query<{ policy_id: string }>('SELECT policy_id FROM jurisdiction_policies WHERE policy_id = $1 FOR UPDATE', [policyId]);
  if (!locked) throw notFound(`Jurisdiction policy "${policyId}"`);
  const [row] = await tx.query<{ version: number }>('SELECT max(version) AS version FROM jurisdiction_policy_versions WHERE policy_id = $1', [policyId]);
  await tx.query('UPDATE jurisdiction_policies SET name = $2, updated_at = now() WHERE policy_id = $1', [policyId, policy.name]);
  return insertVersion(tx, policy, Number(row.version) + 1, effectiveFrom, actor);
}

/** Ends a policy from a date: a version marked retired, so history before it keeps the policy. */
export async function retirePolicy(tx: Sql, policyId: string, effectiveFrom: string, actor?: string): Promise<PolicyVersion> {
  const latest = (await listPolicyVersions(tx, policyId)).at(-1);
  if (!latest) throw notFound(`Jurisdiction policy "${policyId}"`);
  if (latest.definition.retired) throw new AppError(409, 'policy_retired', `The jurisdiction policy "${policyId}" is retired already.`);
  return addPolicyVersion(tx, policyId, { ...latest.definition, retired: true }, effectiveFrom, actor);
}

async function insertVersion(tx: Sql, policy: PolicyDefinition, version: number, effectiveFrom: string, actor?: string): Promise<PolicyVersion> {
  const [row] = await tx.query<PolicyVersion>(
    `INSERT INTO jurisdiction_policy_versions (policy_id, version, effective_from, definition, created_by) VALUES ($1, $2, $3, $4::jsonb, $5)
     RETURNING policy_id, version, effective_from::text, definition, created_at, created_by`,
    [policy.policy_id, version, effectiveFrom, JSON.stringify(policy), actor ?? null],
  );
  // The engine recomputes every month from effective_from on (see engine/dirty.ts).
  await appendEvents(tx, [
    { type: 'jurisdiction_policy.version_created', subjectType: 'jurisdiction_policy', subjectId: policy.policy_id, data: { policy_id: policy.policy_id, version, effective_from: effectiveFrom } },
  ]);
  return row;
}

export async function listPolicyVersions(db: Sql, policyId?: string): Promise<PolicyVersion[]> {
  return db.query<PolicyVersion>(
    `SELECT policy_id, version, effective_from::text, definition, created_at, created_by FROM jurisdiction_policy_versions
     WHERE $1::text IS NULL OR policy_id = $1 ORDER BY policy_id, version`,
    [policyId ?? null],
  );
}
