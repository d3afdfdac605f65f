import type { Database } from '../../db/index.ts';
import { Dec } from '../../shared/decimal.ts';
import type { DesiredEntry } from '../engine/desired.ts';
import { computeCommissions, type EngineSettings } from '../engine/run.ts';
import { addPolicyVersion, createPolicy, listPolicyVersions, policyOrThrow } from './policy-store.ts';

/** Whether an entry is there because of a jurisdiction policy (a cut, a removal or a refusal). */
export const byPolicy = (e: DesiredEntry) => e.rule.startsWith('jurisdiction_') || e.explanation.rule === 'jurisdiction_policy';

/**
 * What partners would be paid over [from, to] (whole months) with this policy version saved, next
 * to what they are paid under the policies in force now, both computed from the current facts in
 * a transaction that is always rolled back, so nothing is stored. Lists the entries the policy
 * cut or removed (the first 200).
 */
export async function simulatePolicy(db: Database, settings: EngineSettings, req: { policy: unknown; effectiveFrom: string; from: string; to: string; now?: string }) {
  const policy = policyOrThrow(req.policy);
  const result = await db
    .transaction(async (tx) => {
      const run = { from: req.from, to: req.to, trigger: 'policy_simulation', now: req.now, dryRun: true };
      const before = await computeCommissions(tx, settings, run);
      const exists = (await listPolicyVersions(tx, policy.policy_id)).length > 0;
      if (exists) await addPolicyVersion(tx, policy.policy_id, policy, req.effectiveFrom);
      else await createPolicy(tx, policy, req.effectiveFrom);
      const after = await computeCommissions(tx, settings, run);
      throw Object.assign(new Error('rollback'), { result: { before, after } });
    })
    .catch((err: { result?: { before: Awaited<ReturnType<typeof computeCommissions>>; after: Awaited<ReturnType<typeof computeCommissions>> } }) => {
      if (err.result) return err.result;
      throw err;
    });
  const sums = (entries: DesiredEntry[]) => {
    const m = new Map<string, Dec>();
    for (const e of entries) m.set(`${e.partner_id}|${e.currency}`, (m.get(`${e.partner_id}|${e.currency}`) ?? new Dec(0)).plus(e.amount));
    return m;
  };
  const before = sums(result.before.desired);
  const after = sums(result.after.desired);
  const partners = [...new Set([...before.keys(), ...after.keys()])]
    .sort()
    .map((k) => {
      const [partner_id, currency] = k.split('|');
      const b = before.get(k) ?? new Dec(0);
      const a = after.get(k) ?? new Dec(0);
      return { partner_id, currency, current: b.toFixed(), with_policy: a.toFixed(), difference: a.minus(b).toFixed() };
    })
    .filter((r) => r.difference !== '0');
  const own = (e: DesiredEntry) => byPolicy(e) && JSON.stringify(e.explanation).includes(`"policy_id":"${policy.policy_id}"`);
  const affected = result.after.desired.filter(own);
  return {
    policy_id: policy.policy_id,
    effective_from: req.effectiveFrom,
    from: result.after.from,
    to: result.after.to,
    partners,
    entries_affected: affected.length,
    entries: affected.slice(0, 200).map((e) => ({
      partner_id: e.partner_id, customer_id: e.customer_id ?? null, fact_date: e.fact_date, instrument: e.instrument ?? null, rule: e.rule, currency: e.currency, amount: e.amount,
      note: e.explanation.notes?.[0] ?? null,
    })),
  };
}
