import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { PLAN_EXAMPLE, type Plan, PlanSchema, validatePartnerTerms, validatePlan } from './plan.ts';

// Mutable, loosely typed copies: the point of these tests is to feed the validator wrong shapes.
// biome-ignore lint/suspicious/noExplicitAny: deliberately malformed plans
type Loose = Record<string, any>;
const example = () => structuredClone(PLAN_EXAMPLE) as Loose;

describe('plan contract', () => {
  it('accepts the issue example, by schema and by validatePlan', () => {
    expect(Value.Check(PlanSchema, PLAN_EXAMPLE)).toBe(true);
    const { plan, issues } = validatePlan(PLAN_EXAMPLE);
    expect(issues).toEqual([]);
    expect(plan).toEqual(PLAN_EXAMPLE);
    expect(plan).not.toBe(PLAN_EXAMPLE);
  });

  it('publishes the example in the schema for OpenAPI', () => {
    expect(PlanSchema).toMatchObject({ $id: 'CommissionPlan', examples: [PLAN_EXAMPLE] });
  });

  it.each<[string, (p: Loose) => void, string, string]>([
    ['a rate as a JSON number', (p) => (p.rules[0].rates[0].rate = 6), 'rules[0].rates[0].rate', 'decimal string'],
    ['a rate with an exponent', (p) => (p.rules[0].rates[0].rate = '6e2'), 'rules[0].rates[0].rate', 'decimal string'],
    ['a negative rate', (p) => (p.rules[1].rate = '-1'), 'rules[1].rate', 'decimal string'],
    ['a percent above 100', (p) => (p.rules[2].percent = '100.5'), 'rules[2].percent', 'from "0" to "100"'],
    ['tiers not starting at 0', (p) => (p.rules[5].tiers[0].from_lots = '10'), 'rules[5].tiers[0].from_lots', 'must be "0"'],
    ['tiers not ascending', (p) => (p.rules[5].tiers[2].from_lots = '100'), 'rules[5].tiers[2].from_lots', 'strictly ascending'],
    ['a missing CPA field', (p) => delete p.rules[4].min_lots, 'rules[4].min_lots', 'is required'],
    ['revenue-share tiers starting at 0', (p) => (p.rules[3].tiers = [{ from_net_revenue: '0', percent: '25' }]), 'rules[3].tiers[0].from_net_revenue', 'must be above "0"'],
    ['revenue-share tiers not ascending', (p) => (p.rules[3].tiers = [{ from_net_revenue: '50000', percent: '30' }, { from_net_revenue: '10000', percent: '25' }]), 'rules[3].tiers[1].from_net_revenue', 'strictly ascending'],
    ['a revenue-share tier above 100 %', (p) => (p.rules[3].tiers = [{ from_net_revenue: '10000', percent: '120' }]), 'rules[3].tiers[0].percent', 'from "0" to "100"'],
    ['a misspelt field', (p) => (p.rules[3].negative_carry_over = true), 'rules[3].negative_carry_over', 'not a known field'],
    ['an unknown rule type', (p) => (p.rules[0].type = 'per_trade'), 'rules[0].type', 'must be one of'],
    ['an unknown tier mode', (p) => (p.rules[5].mode = 'progressive'), 'rules[5].mode', '"retroactive", "marginal"'],
    ['a rate naming an undeclared group', (p) => (p.rules[0].rates[2].group = 'energy'), 'rules[0].rates[2].group', 'not declared'],
    ['a rate with symbol and group', (p) => (p.rules[0].rates[0].group = 'fx_majors'), 'rules[0].rates[0]', 'exactly one of symbol or group'],
    ['a repeated rate', (p) => p.rules[0].rates.push({ group: 'metals', rate: '9' }), 'rules[0].rates[3]', 'repeats'],
    ['a repeated account-type rate', (p) => p.rules[0].rates.push({ group: 'metals', rate: '9', account_types: ['ecn'] }, { group: 'metals', rate: '10', account_types: ['ECN'] }), 'rules[0].rates[4]', 'repeats'],
    ['an empty account-type list', (p) => p.rules[0].rates.push({ group: 'metals', rate: '9', account_types: [] }), 'rules[0].rates[3].account_types', ''],
    ['duplicate group names', (p) => (p.symbol_groups[1].group = 'fx_majors'), 'symbol_groups[1].group', 'duplicates'],
    ['two rules of one type', (p) => p.rules.push({ type: 'spread_share', percent: '10' }), 'rules[6].type', 'at most one spread_share'],
    ['an unknown currency', (p) => (p.currency = 'ABC'), 'currency', 'ISO 4217'],
    ['a lower-case country key', (p) => (p.rules[4].country_amounts = { ae: '1000' }), 'rules[4].country_amounts.ae', 'ISO 3166-1'],
    ['zero per_usd', (p) => (p.rules[1].per_usd = '0'), 'rules[1].per_usd', 'greater than zero'],
    ['too many digits', (p) => (p.rules[1].rate = '1234567890.1234567'), 'rules[1].rate', 'significant digits'],
    ['an override level with both amounts', (p) => (p.hierarchy.levels[0].percent_of_child = '5'), 'hierarchy.levels[0]', 'exactly one of per_lot or percent_of_child'],
    ['percent_of_child above a gap', (p) => (p.hierarchy.levels[0].level = 3), 'hierarchy.levels[1].percent_of_child', 'needs level 1'],
    ['a repeated override level', (p) => (p.hierarchy.levels[1].level = 1), 'hierarchy.levels[1].level', 'repeats level 1'],
    ['split percents not summing to 100', (p) => (p.hierarchy = { mode: 'split', levels: [{ level: 0, percent: '70' }, { level: 1, percent: '20' }] }), 'hierarchy.levels', 'sum to 100; they sum to 90'],
    ['split without level 0', (p) => (p.hierarchy = { mode: 'split', levels: [{ level: 1, percent: '100' }] }), 'hierarchy.levels', 'level 0'],
    ['split levels carrying per_lot', (p) => (p.hierarchy = { mode: 'split', levels: [{ level: 0, per_lot: '1' }] }), 'hierarchy.levels[0].percent', 'is required'],
    ['an unknown hierarchy mode', (p) => (p.hierarchy = { mode: 'pyramid' }), 'hierarchy.mode', 'must be one of'],
    [
      'differential without per_lot',
      (p) => {
        p.hierarchy = { mode: 'differential' };
        p.rules.splice(0, 1);
      },
      'hierarchy.mode',
      'needs a per_lot rule',
    ],
    ['client rebate with both forms', (p) => (p.client_rebate = { allowed: true, per_lot: '1', percent: '10' }), 'client_rebate', 'not both'],
    ['client rebate set but not allowed', (p) => (p.client_rebate = { allowed: false, percent: '10' }), 'client_rebate', 'allowed is false'],
    ['a broken normalisation pattern', (p) => (p.symbol_normalisation = { prefixes: ['('], suffixes: [] }), 'symbol_normalisation.prefixes[0]', 'regular expression'],
    ['no rules', (p) => (p.rules = []), 'rules', 'fewer than 1'],
  ])('rejects %s', (_name, mutate, field, reason) => {
    const p = example();
    mutate(p);
    const { plan, issues } = validatePlan(p);
    expect(plan).toBeUndefined();
    expect(issues).toContainEqual({ field, reason: expect.stringContaining(reason) });
  });

  it('rejects a non-object with a field-less issue', () => {
    expect(validatePlan('plan').issues.length).toBeGreaterThan(0);
  });

  it('accepts the three hierarchy modes', () => {
    for (const hierarchy of [
      { mode: 'differential' },
      { mode: 'split', levels: [{ level: 0, percent: '70' }, { level: 1, percent: '30' }], unclaimed: 'top_partner' },
      { mode: 'override', levels: [{ level: 1, percent_of_child: '10' }, { level: 2, per_lot: '0.5' }] },
    ]) {
      expect(validatePlan({ ...example(), hierarchy }).issues).toEqual([]);
    }
  });
});

describe('partner terms', () => {
  const plan = validatePlan(PLAN_EXAMPLE).plan as Plan;

  it.each<[string, unknown, { field: string; reason: string }[]]>([
    ['own rates and a per-lot rebate', { rates: [{ symbol: 'EURUSD', rate: '7' }, { group: 'metals', rate: '9' }], client_rebate: { per_lot: '1' } }, []],
    ['a percent rebate', { client_rebate: { percent: '25' } }, []],
    ['a rebate in both forms', { client_rebate: { per_lot: '1', percent: '25' } }, [{ field: 'client_rebate', reason: 'must set per_lot or percent, not both' }]],
    ['an empty rebate', { client_rebate: {} }, [{ field: 'client_rebate', reason: 'must set per_lot or percent' }]],
    ['a rebate percent above 100', { client_rebate: { percent: '120' } }, [{ field: 'client_rebate.percent', reason: 'must be a percent from "0" to "100"' }]],
    ['a group the plan lacks', { rates: [{ group: 'indices', rate: '2' }] }, [{ field: 'rates[0].group', reason: 'refers to "indices", which is not declared in symbol_groups' }]],
  ])('%s', (_name, input, issues) => {
    expect(validatePartnerTerms(input, plan).issues).toEqual(issues);
  });

  it('refuses a rebate when the plan does not allow one', () => {
    const noRebates = { ...plan, client_rebate: { allowed: false } };
    expect(validatePartnerTerms({ client_rebate: { per_lot: '1' } }, noRebates).issues).toEqual([
      { field: 'client_rebate', reason: 'plan std-ib does not allow client rebates' },
    ]);
  });
});
