import { type Static, Type } from 'typebox';
import { checkClientRebate, checkRateEntries } from './plan-validation.ts';
import { DECIMAL_PATTERN, type Plan, RateEntrySchema } from './plan-schema.ts';
import { type PlanIssue, schemaIssues } from './schema-issues.ts';

export const ClientRebateSettingSchema = Type.Object(
  {
    per_lot: Type.Optional(Type.String({ pattern: DECIMAL_PATTERN, description: 'Amount per lot given back to the client. Decimal string.', examples: ['1'] })),
    percent: Type.Optional(Type.String({ pattern: DECIMAL_PATTERN, description: 'Percent of the partner\'s per-lot earning given back to the client.', examples: ['20'] })),
  },
  { additionalProperties: false, description: 'Exactly one of per_lot or percent. Comes off the partner\'s per-lot earning before any override is computed from it.' },
);

/**
 * What one partner carries on top of its plan: its own per-lot rates (looked up before the plan's)
 * and the rebate it gives its clients.
 */
export const PartnerTermsSchema = Type.Object(
  {
    rates: Type.Optional(Type.Array(RateEntrySchema, { description: 'Per-lot rates that replace the plan\'s for this partner; groups are the plan\'s symbol_groups.' })),
    client_rebate: Type.Optional(ClientRebateSettingSchema),
  },
  {
    $id: 'PartnerCommissionTerms',
    additionalProperties: false,
    examples: [{ rates: [{ symbol: 'EURUSD', rate: '7' }, { group: 'metals', rate: '9' }], client_rebate: { per_lot: '1' } }],
  },
);

export type ClientRebateSetting = Static<typeof ClientRebateSettingSchema>;
export type PartnerTerms = Static<typeof PartnerTermsSchema>;

/** Checks a partner's terms against the plan it is on (groups must exist, rebates must be allowed). */
export function validatePartnerTerms(input: unknown, plan: Plan): { terms?: PartnerTerms; issues: PlanIssue[] } {
  const issues = schemaIssues(PartnerTermsSchema, input);
  if (issues.length) return { issues };
  const terms = structuredClone(input) as PartnerTerms;
  const add = (field: string, reason: string) => issues.push({ field, reason });
  const groups = new Set((plan.symbol_groups ?? []).map((g) => g.group));
  if (terms.rates) checkRateEntries(terms.rates, 'rates', groups, add);
  if (terms.client_rebate) {
    const rebate = terms.client_rebate;
    if (rebate.per_lot === undefined && rebate.percent === undefined) add('client_rebate', 'must set per_lot or percent');
    if (!plan.client_rebate?.allowed) add('client_rebate', `plan ${plan.plan_id} does not allow client rebates`);
    checkClientRebate(rebate, 'client_rebate', add);
  }
  return issues.length ? { issues } : { terms, issues };
}
