import type { Sql } from '../../db/index.ts';
import type { PartnerTerms } from '../partner-terms.ts';
import type { Plan } from '../plan-schema.ts';

export interface PlanInForce {
  plan: Plan;
  plan_id: string;
  version: number;
  terms: PartnerTerms;
}

interface Assignment {
  plan_id: string;
  from: string;
  to: string | null;
  terms: PartnerTerms;
}

/**
 * Which plan version (and own terms) each partner is on at each business date, loaded once per run.
 * A version is in force from its effective_from until a later effective_from; a later version with
 * the same date supersedes an earlier one.
 */
export class PlansAt {
  private readonly assignments = new Map<string, Assignment[]>();
  private readonly versions = new Map<string, { version: number; from: string; plan: Plan }[]>();
  private readonly memo = new Map<string, PlanInForce | undefined>();

  static async load(db: Sql, partnerIds: string[]): Promise<PlansAt> {
    const out = new PlansAt();
    const assignments = await db.query<{ partner_id: string; plan_id: string; effective_from: string; effective_to: string | null; terms: PartnerTerms }>(
      `SELECT partner_id, plan_id, effective_from::text, effective_to::text, terms FROM partner_plans WHERE partner_id = ANY($1::text[]) ORDER BY partner_id, effective_from`,
      [partnerIds],
    );
    for (const a of assignments) {
      const list = out.assignments.get(a.partner_id) ?? [];
      list.push({ plan_id: a.plan_id, from: a.effective_from, to: a.effective_to, terms: a.terms });
      out.assignments.set(a.partner_id, list);
    }
    const planIds = [...new Set(assignments.map((a) => a.plan_id))];
    const versions = await db.query<{ plan_id: string; version: number; effective_from: string; definition: Plan }>(
      `SELECT plan_id, version, effective_from::text, definition FROM plan_versions WHERE plan_id = ANY($1::text[]) ORDER BY plan_id, effective_from, version`,
      [planIds],
    );
    for (const v of versions) {
      const list = out.versions.get(v.plan_id) ?? [];
      list.push({ version: v.version, from: v.effective_from, plan: v.definition });
      out.versions.set(v.plan_id, list);
    }
    return out;
  }

  /** A copy in which these partners (all, without a list) are on the given plan: for simulations. */
  withOverride(partnerIds: string[] | undefined, plan: PlanInForce): PlansAt {
    const copy = new PlansAt();
    for (const [k, v] of this.assignments) copy.assignments.set(k, v);
    for (const [k, v] of this.versions) copy.versions.set(k, v);
    const only = partnerIds ? new Set(partnerIds) : undefined;
    const base = copy.at.bind(copy);
    copy.at = (partnerId: string, date: string) => {
      if (!only || only.has(partnerId)) return { ...plan, terms: base(partnerId, date)?.terms ?? {} };
      return base(partnerId, date);
    };
    return copy;
  }

  /** The partner's plan on a business date, or undefined when it has none then. */
  at(partnerId: string, date: string): PlanInForce | undefined {
    const key = `${partnerId}|${date}`;
    if (this.memo.has(key)) return this.memo.get(key);
    const assignment = this.assignments.get(partnerId)?.find((a) => a.from <= date && (a.to === null || date < a.to));
    let found: PlanInForce | undefined;
    if (assignment) {
      const candidates = (this.versions.get(assignment.plan_id) ?? []).filter((v) => v.from <= date);
      const v = candidates[candidates.length - 1];
      if (v) found = { plan: v.plan, plan_id: assignment.plan_id, version: v.version, terms: assignment.terms };
    }
    this.memo.set(key, found);
    return found;
  }
}
