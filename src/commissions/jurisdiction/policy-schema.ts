import { type Static, Type } from 'typebox';
import { isCurrencyCode } from '../../shared/currencies.ts';
import { Dec, MAX_SIGNIFICANT_DIGITS, significantDigits } from '../../shared/decimal.ts';
import { DECIMAL_PATTERN } from '../plan-schema.ts';
import { type PlanIssue, schemaIssues } from '../schema-issues.ts';

/**
 * A jurisdiction policy: what a regulator allows a broker to pay partners for clients of some
 * countries. Amounts are decimal strings in the policy's `currency`; only earnings in that
 * currency are capped (a spread share paid in EUR under a USD policy is not).
 */
const decimal = (description: string, example: string) => Type.String({ pattern: DECIMAL_PATTERN, description: `${description} Decimal string.`, examples: [example] });
const strict = { additionalProperties: false } as const;

/** Rule types a policy can refuse: the ones paid per customer (tiers and revenue share are netted over all of a partner's customers). */
export const POLICY_RULE_TYPES = ['per_lot', 'per_notional', 'spread_share', 'cpa'] as const;
export type PolicyRuleType = (typeof POLICY_RULE_TYPES)[number];

export const PerLotCapSchema = Type.Object(
  {
    symbols: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: 200,
      description: 'Symbols or glob patterns (`*`, `?`) the cap covers, matched as sent and normalised (EURUSD.pro reads as EURUSD).',
      examples: [['EURUSD', 'GBPUSD', 'AUDUSD', '??????']],
    }),
    pips: Type.Optional(decimal('Cap in pips per standard lot; turned into money with the pip value.', '3')),
    pip_value: Type.Optional(
      decimal(
        'Value of one pip on one standard lot, in the policy currency. When omitted it is derived for FX pairs quoted in the policy currency: 0.0001 × 100,000 = 10 (0.01 × 100,000 = 1,000 for JPY).',
        '10',
      ),
    ),
    amount: Type.Optional(decimal('Cap as money per standard lot, in the policy currency (instead of pips).', '30')),
  },
  { ...strict, description: 'At most this much pay per lot on these symbols: `pips` (× pip value) or `amount`.' },
);

export const PolicyDefinitionSchema = Type.Object(
  {
    policy_id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Stable id: lower-case letters, digits, - and _.', examples: ['asic-au'] }),
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Name shown in the console and in explanations.', examples: ['ASIC product intervention (Australian retail clients)'] }),
    regulator: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The regulator whose rule this is, named in explanations.', examples: ['ASIC'] })),
    countries: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), {
        minItems: 1,
        uniqueItems: true,
        description: 'Clients\' ISO 3166-1 countries the policy applies to. Omitted: every client (a broker with one licence).',
        examples: [['AU']],
      }),
    ),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'Currency of every cap; required when the policy sets one.', examples: ['USD'] })),
    client_rebates: Type.Optional(Type.Enum(['allowed', 'off'], { description: '`off`: no client rebate or cashback is paid to these clients (the partner keeps it).', examples: ['off'] })),
    per_lot_caps: Type.Optional(Type.Array(PerLotCapSchema, { minItems: 1, maxItems: 50, description: 'Per-lot caps; when several cover a symbol the lowest applies.' })),
    per_trade_cap: Type.Optional(decimal('At most this much pay per trade (deal), for activity that came from deals.', '25')),
    period_caps: Type.Optional(
      Type.Object(
        {
          per_day: Type.Optional(decimal('At most this much per partner per business day from these clients.', '500')),
          per_week: Type.Optional(decimal('Per partner per week (Monday to Sunday; a week spanning two months is capped in each month separately).', '2000')),
          per_month: Type.Optional(decimal('Per partner per calendar month.', '5000')),
        },
        { ...strict, description: 'Caps of what one partner earns from these clients, taken off in that order (a week counts the days after their caps).' },
      ),
    ),
    disallowed_rules: Type.Optional(
      Type.Array(Type.Enum([...POLICY_RULE_TYPES]), { uniqueItems: true, description: 'Rule types that pay nothing for these clients (with their overrides).', examples: [['cpa']] }),
    ),
    acquisition: Type.Optional(
      Type.Object(
        {
          allowed: Type.Boolean({ description: 'false: partners may not acquire clients from these countries; their activity earns nothing, with the reason on record.' }),
          except_partners: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 1000, uniqueItems: true, description: 'Owners still allowed (e.g. partners licensed there).' })),
        },
        strict,
      ),
    ),
    retired: Type.Optional(Type.Boolean({ description: 'true: the policy no longer applies from this version\'s effective_from.' })),
  },
  { ...strict, $id: 'JurisdictionPolicy', description: 'A jurisdiction policy version.' },
);
export type PolicyDefinition = Static<typeof PolicyDefinitionSchema>;
export type PerLotCap = Static<typeof PerLotCapSchema>;

export const POLICY_EXAMPLE: PolicyDefinition = {
  policy_id: 'asic-au',
  name: 'ASIC product intervention (Australian retail clients)',
  regulator: 'ASIC',
  countries: ['AU'],
  currency: 'USD',
  client_rebates: 'off',
  per_lot_caps: [{ symbols: ['EURUSD', 'GBPUSD', 'AUDUSD', 'NZDUSD'], pips: '3' }],
};

/** Checks a policy beyond its schema; returns it only when there are no issues. */
export function validatePolicy(input: unknown): { policy?: PolicyDefinition; issues: PlanIssue[] } {
  const issues = schemaIssues(PolicyDefinitionSchema, input);
  if (issues.length || !input || typeof input !== 'object') return { issues: issues.length ? issues : [{ field: '', reason: 'must be an object' }] };
  const p = input as PolicyDefinition;
  const capped = p.per_lot_caps !== undefined || p.per_trade_cap !== undefined || p.period_caps !== undefined;
  if (capped && p.currency === undefined) issues.push({ field: 'currency', reason: 'is required when the policy sets a cap' });
  if (p.currency !== undefined && !isCurrencyCode(p.currency)) issues.push({ field: 'currency', reason: 'is not an ISO 4217 currency code' });
  if (p.period_caps && !p.period_caps.per_day && !p.period_caps.per_week && !p.period_caps.per_month)
    issues.push({ field: 'period_caps', reason: 'must set per_day, per_week or per_month' });
  p.per_lot_caps?.forEach((c, i) => {
    if ((c.pips === undefined) === (c.amount === undefined)) issues.push({ field: `per_lot_caps[${i}]`, reason: 'must set exactly one of pips or amount' });
    if (c.pip_value !== undefined && c.pips === undefined) issues.push({ field: `per_lot_caps[${i}].pip_value`, reason: 'only goes with pips' });
  });
  const amounts: [string, string | undefined][] = [
    ['per_trade_cap', p.per_trade_cap],
    ['period_caps.per_day', p.period_caps?.per_day],
    ['period_caps.per_week', p.period_caps?.per_week],
    ['period_caps.per_month', p.period_caps?.per_month],
    ...(p.per_lot_caps ?? []).flatMap((c, i): [string, string | undefined][] => [
      [`per_lot_caps[${i}].pips`, c.pips],
      [`per_lot_caps[${i}].pip_value`, c.pip_value],
      [`per_lot_caps[${i}].amount`, c.amount],
    ]),
  ];
  for (const [field, value] of amounts) {
    if (value === undefined) continue;
    if (significantDigits(value) > MAX_SIGNIFICANT_DIGITS || new Dec(value).gt('1000000000')) issues.push({ field, reason: 'is out of range (at most 1,000,000,000)' });
  }
  if (p.acquisition?.allowed && p.acquisition.except_partners) issues.push({ field: 'acquisition.except_partners', reason: 'only goes with allowed: false' });
  const effective = p.client_rebates === 'off' || capped || (p.disallowed_rules?.length ?? 0) > 0 || p.acquisition?.allowed === false || p.retired === true;
  if (!effective) issues.push({ field: '', reason: 'the policy changes nothing: set client_rebates, a cap, disallowed_rules or acquisition' });
  return issues.length ? { issues } : { policy: structuredClone(p), issues };
}
