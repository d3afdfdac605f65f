import { type Static, type TSchema, Type } from 'typebox';

/**
 * The commission plan contract. A plan is JSON the broker writes once and versions; every amount,
 * rate and percentage in it is a decimal string ("6", "1.50") so no value passes through a float.
 * Semantic checks a schema cannot express live in plan-validation.ts.
 */

/** Non-negative decimal text without exponent or leading zeros; the same shape the data API stores. */
export const DECIMAL_PATTERN = '^(0|[1-9][0-9]*)(\\.[0-9]+)?$';

const decimal = (description: string, example: string) =>
  Type.String({ pattern: DECIMAL_PATTERN, description: `${description} Decimal string.`, examples: [example] });
const percent = (description: string, example = '30') =>
  Type.String({ pattern: DECIMAL_PATTERN, description: `${description} Percent from "0" to "100" as a decimal string.`, examples: [example] });
const strict = { additionalProperties: false } as const;

export const RateEntrySchema = Type.Object(
  {
    symbol: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'One instrument as the platform names it. A symbol rate beats a group rate.' })),
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A group declared in `symbol_groups`.' })),
    rate: decimal('Amount per standard lot, in the plan currency.', '6'),
    account_types: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 1,
        description: 'Only for customers whose `trading_account_type` (the MT group for MT4/MT5 data) matches one of these (exact, case-insensitive, or a glob with * and ?). Beats the same symbol or group without account types: e.g. a higher ECN rate.',
        examples: [['ECN', 'real\\ecn-*']],
      }),
    ),
  },
  { ...strict, description: 'A per-lot rate for exactly one of `symbol` or `group`, optionally for some account types only.' },
);

export const SymbolGroupSchema = Type.Object(
  {
    group: Type.String({ minLength: 1, maxLength: 64, description: 'Group name, unique within the plan.' }),
    symbols: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      description: 'Symbols or glob patterns (`*` any characters, `?` one character), e.g. `XAU*`.',
    }),
  },
  strict,
);

export const PerLotRuleSchema = Type.Object(
  { type: Type.Literal('per_lot'), rates: Type.Array(RateEntrySchema, { minItems: 1 }) },
  { ...strict, description: 'Lots × rate. Rate lookup: exact symbol → first listed group that matches → no commission.' },
);

export const PerNotionalRuleSchema = Type.Object(
  {
    type: Type.Literal('per_notional'),
    per_usd: decimal('Notional volume the rate is quoted per, in USD.', '100000'),
    rate: decimal('Amount paid per `per_usd` of traded notional.', '10'),
  },
  { ...strict, description: 'notional USD ÷ per_usd × rate.' },
);

export const SpreadShareRuleSchema = Type.Object(
  { type: Type.Literal('spread_share'), percent: percent('Share of the spread cost the client paid.') },
  { ...strict, description: 'spread_cost × percent ÷ 100.' },
);

export const REVENUE_COMPONENTS = ['spread_cost', 'commission', 'client_pnl', 'bonuses'] as const;
export type RevenueComponent = (typeof REVENUE_COMPONENTS)[number];

export const RevenueShareRuleSchema = Type.Object(
  {
    type: Type.Literal('revenue_share'),
    percent: percent('Share of the net revenue to the broker.'),
    negative_carryover: Type.Boolean({ description: 'true: a negative period is carried into the next one; false: it is reset to zero.' }),
    tiers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            from_net_revenue: decimal('The month\'s base (net revenue after any carried deficit) from which this percent applies, to the whole base.', '10000'),
            percent: percent('Share at this tier.', '25'),
          },
          strict,
        ),
        { minItems: 1, description: 'Revenue-share tiers by the month\'s base, strictly ascending by from_net_revenue, the first above "0"; below the first tier `percent` applies. E.g. 20 % up to 10,000, then 25 %, 30 %, 35 %.' },
      ),
    ),
    components: Type.Optional(
      Type.Array(Type.Enum([...REVENUE_COMPONENTS]), {
        uniqueItems: true,
        description: 'What makes up net revenue: spread_cost + commission − client_pnl − bonuses. Default: all four.',
      }),
    ),
  },
  { ...strict, description: 'Percent of net revenue per period.' },
);

export const CpaRuleSchema = Type.Object(
  {
    type: Type.Literal('cpa'),
    amount: decimal('One-off amount per qualified customer.', '200'),
    country_amounts: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Z]{2}$' }), Type.String({ pattern: DECIMAL_PATTERN }), {
        description: 'Amount by the customer\'s ISO 3166-1 country, replacing `amount`; "0" makes a country ineligible.',
        examples: [{ AE: '1000' }],
      }),
    ),
    min_first_deposit: decimal('Minimum first-time deposit (FTD), in the plan currency.', '100'),
    ftd_window_hours: Type.Integer({ minimum: 0, maximum: 8760, description: 'Approved deposits within this many hours of the first one make up the FTD.', examples: [24] }),
    min_lots: decimal('Lots the customer must trade after registration.', '5'),
    qualify_within_days: Type.Integer({ minimum: 1, maximum: 3650, description: 'All conditions must be met within this many days of sign-up.', examples: [90] }),
    require_kyc: Type.Boolean({ description: 'Whether KYC must be approved to qualify.' }),
  },
  { ...strict, description: 'Cost per acquisition, paid once per customer.' },
);

export const TierSchema = Type.Object(
  {
    from_lots: decimal('Lots in the period from which this tier applies (inclusive).', '100'),
    rate: decimal('Amount per lot in this tier.', '5'),
  },
  strict,
);

export const TieredPerLotRuleSchema = Type.Object(
  {
    type: Type.Literal('tiered_per_lot'),
    period: Type.Literal('month', { description: 'Tiers are reached by the partner\'s lots in the calendar month (broker time zone).' }),
    mode: Type.Enum(['retroactive', 'marginal'], {
      description: 'retroactive: the reached tier\'s rate on every lot of the period; marginal: each band at its own rate.',
    }),
    tiers: Type.Array(TierSchema, { minItems: 1, description: 'Strictly ascending by from_lots, the first starting at "0".' }),
  },
  { ...strict, description: 'Per-lot rate that grows with volume in the period.' },
);

export const RULE_SCHEMAS = {
  per_lot: PerLotRuleSchema,
  per_notional: PerNotionalRuleSchema,
  spread_share: SpreadShareRuleSchema,
  revenue_share: RevenueShareRuleSchema,
  cpa: CpaRuleSchema,
  tiered_per_lot: TieredPerLotRuleSchema,
} as const;
export type RuleType = keyof typeof RULE_SCHEMAS;

export const RuleSchema = Type.Union([PerLotRuleSchema, PerNotionalRuleSchema, SpreadShareRuleSchema, RevenueShareRuleSchema, CpaRuleSchema, TieredPerLotRuleSchema], { description: 'One commission rule, chosen by `type`.' });

export const OverrideLevelSchema = Type.Object(
  {
    level: Type.Integer({ minimum: 1, maximum: 50, description: '1 = the owner\'s parent, 2 = its parent, …' }),
    per_lot: Type.Optional(decimal('Fixed amount per lot the customer traded.', '1.50')),
    percent_of_child: Type.Optional(percent('Share of what the level below earned on the same fact.', '10')),
  },
  { ...strict, description: 'Exactly one of per_lot or percent_of_child.' },
);

export const SplitLevelSchema = Type.Object(
  {
    level: Type.Integer({ minimum: 0, maximum: 50, description: '0 = the customer\'s owner, 1 = its parent, …' }),
    percent: percent('Share of the pool.', '70'),
  },
  strict,
);

export const HIERARCHY_SCHEMAS = {
  override: Type.Object(
    { mode: Type.Literal('override'), levels: Type.Array(OverrideLevelSchema, { minItems: 1 }) },
    { ...strict, description: 'The owner earns its plan; ancestors earn a fixed per-lot amount or a percent of the level below.' },
  ),
  differential: Type.Object(
    { mode: Type.Literal('differential') },
    { ...strict, description: 'Each ancestor earns its own per-lot rate minus the highest rate below it, never negative.' },
  ),
  split: Type.Object(
    {
      mode: Type.Literal('split'),
      levels: Type.Array(SplitLevelSchema, { minItems: 1, description: 'Percents sum to 100; level 0 must be present.' }),
      unclaimed: Type.Optional(
        Type.Enum(['broker', 'top_partner'], {
          description: 'Where the share of a level with no partner goes when the chain is shorter: kept by the broker (default) or paid to the topmost partner.',
        }),
      ),
    },
    { ...strict, description: 'One pool computed from the owner\'s plan, divided by level.' },
  ),
} as const;
export type HierarchyMode = keyof typeof HIERARCHY_SCHEMAS;

export const HierarchySchema = Type.Union([HIERARCHY_SCHEMAS.override, HIERARCHY_SCHEMAS.differential, HIERARCHY_SCHEMAS.split], { description: 'How sub-IB earnings reach the partners above.' });

export const ExclusionsSchema = Type.Object(
  {
    self_trading: Type.Optional(Type.Boolean({ default: true, description: 'The partner earns nothing on its own or linked customers.' })),
    require_kyc_approved: Type.Optional(Type.Boolean({ default: false, description: 'Commissions on customers without approved KYC stay pending; reversed if KYC is rejected.' })),
    min_hold_seconds: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Deals held shorter than this earn nothing (deal-level data only).' })),
    hedge_netting: Type.Optional(Type.Boolean({ default: true, description: 'Opposite overlapping positions on the same instrument count once (deal-level data only).' })),
    instruments: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: [], description: 'Symbols or patterns that never earn commission.' })),
    account_types: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: [], description: 'Account types (or globs, case-insensitive) that never earn commission, e.g. demo groups: ["demo*"].' }),
    ),
  },
  strict,
);

export const CapsSchema = Type.Object(
  {
    per_day: Type.Optional(decimal('Most a partner earns from this plan on one business day, in the plan currency; above it a cap_adjustment entry takes the rest off.', '500')),
    per_month: Type.Optional(decimal('Most a partner earns from this plan in one calendar month (broker time zone), after any daily cap.', '10000')),
  },
  { ...strict, minProperties: 1, description: 'Earnings caps: what a partner earns in the plan currency (all rules, its overrides as an upline included) is cut to these amounts.' },
);

export const ClientRebatePolicySchema = Type.Object(
  {
    allowed: Type.Boolean({ description: 'Whether partners on this plan may give part of their per-lot commission back to their clients.' }),
    per_lot: Type.Optional(decimal('Default rebate per lot for partners that set none.', '1')),
    percent: Type.Optional(percent('Default rebate as a percent of the partner\'s per-lot earning.', '20')),
  },
  { ...strict, description: 'At most one of per_lot or percent.' },
);

export const SymbolNormalisationSchema = Type.Object(
  {
    prefixes: Type.Array(Type.String({ maxLength: 200 }), { description: 'Regular expressions (anchored at the start) stripped from a symbol.' }),
    suffixes: Type.Array(Type.String({ maxLength: 200 }), { description: 'Regular expressions (anchored at the end) stripped from a symbol.' }),
  },
  { ...strict, description: 'How broker-specific symbols such as EURUSD.pro or #EURUSD map to a plain symbol. Default covers the common cases.' },
);

export const PLAN_EXAMPLE = {
  plan_id: 'std-ib',
  name: 'Standard IB',
  currency: 'USD',
  symbol_groups: [
    { group: 'fx_majors', symbols: ['EURUSD', 'GBPUSD', 'USDJPY'] },
    { group: 'metals', symbols: ['XAU*', 'XAG*'] },
  ],
  rules: [
    { type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '6' }, { group: 'fx_majors', rate: '4' }, { group: 'metals', rate: '8' }] },
    { type: 'per_notional', per_usd: '100000', rate: '10' },
    { type: 'spread_share', percent: '30' },
    { type: 'revenue_share', percent: '30', negative_carryover: true },
    { type: 'cpa', amount: '200', country_amounts: { AE: '1000' }, min_first_deposit: '100', ftd_window_hours: 24, min_lots: '5', qualify_within_days: 90, require_kyc: true },
    { type: 'tiered_per_lot', period: 'month', mode: 'retroactive', tiers: [{ from_lots: '0', rate: '3' }, { from_lots: '100', rate: '5' }, { from_lots: '500', rate: '7' }] },
  ],
  hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1.50' }, { level: 2, percent_of_child: '10' }] },
  exclusions: { self_trading: true, require_kyc_approved: true, min_hold_seconds: 180, instruments: ['US30'] },
  client_rebate: { allowed: true },
};

/** The plan's top-level fields, parameterised so validation can check rules one by one (see plan-validation.ts). */
export function planProperties<R extends TSchema, H extends TSchema>(rule: R, hierarchy: H) {
  return {
    plan_id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$', description: 'Stable id chosen by the broker.', examples: ['std-ib'] }),
    name: Type.String({ minLength: 1, maxLength: 200, examples: ['Standard IB'] }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency every amount in the plan is expressed in.', examples: ['USD'] }),
    symbol_groups: Type.Optional(Type.Array(SymbolGroupSchema, { description: 'Named sets of instruments rates can refer to.' })),
    rules: Type.Array(rule, { minItems: 1, description: 'Each rule type at most once; every rule that applies to a fact pays.' }),
    hierarchy: Type.Optional(hierarchy),
    exclusions: Type.Optional(ExclusionsSchema),
    client_rebate: Type.Optional(ClientRebatePolicySchema),
    symbol_normalisation: Type.Optional(SymbolNormalisationSchema),
    caps: Type.Optional(CapsSchema),
  };
}

export const PlanSchema = Type.Object(planProperties(RuleSchema, HierarchySchema), {
  $id: 'CommissionPlan',
  additionalProperties: false,
  description: 'A commission plan. All amounts, rates and percents are decimal strings in the plan currency.',
  examples: [PLAN_EXAMPLE],
});

export type Plan = Static<typeof PlanSchema>;
export type Rule = Static<typeof RuleSchema>;
export type RateEntry = Static<typeof RateEntrySchema>;
export type SymbolGroup = Static<typeof SymbolGroupSchema>;
export type PerLotRule = Static<typeof PerLotRuleSchema>;
export type PerNotionalRule = Static<typeof PerNotionalRuleSchema>;
export type SpreadShareRule = Static<typeof SpreadShareRuleSchema>;
export type RevenueShareRule = Static<typeof RevenueShareRuleSchema>;
export type CpaRule = Static<typeof CpaRuleSchema>;
export type Tier = Static<typeof TierSchema>;
export type TieredPerLotRule = Static<typeof TieredPerLotRuleSchema>;
export type Hierarchy = Static<typeof HierarchySchema>;
export type OverrideLevel = Static<typeof OverrideLevelSchema>;
export type SplitLevel = Static<typeof SplitLevelSchema>;
export type Exclusions = Static<typeof ExclusionsSchema>;
export type ClientRebatePolicy = Static<typeof ClientRebatePolicySchema>;
export type SymbolNormalisation = Static<typeof SymbolNormalisationSchema>;

/** The rule of a given type, if the plan has one (validation allows each type at most once). */
export function findRule<T extends RuleType>(plan: Plan, type: T): Extract<Rule, { type: T }> | undefined {
  return plan.rules.find((r): r is Extract<Rule, { type: T }> => r.type === type);
}
