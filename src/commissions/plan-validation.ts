import { Type } from 'typebox';
import { isCurrencyCode } from '../shared/currencies.ts';
import { Dec, MAX_SIGNIFICANT_DIGITS, significantDigits } from '../shared/decimal.ts';
import {
  type ClientRebatePolicy,
  HIERARCHY_SCHEMAS,
  type Hierarchy,
  type Plan,
  planProperties,
  RULE_SCHEMAS,
  type RateEntry,
  type Rule,
} from './plan-schema.ts';
import { type PlanIssue, schemaIssues } from './schema-issues.ts';

export type { PlanIssue } from './schema-issues.ts';

// The plan with rules and hierarchy left open, so each rule is then checked against the schema of
// its own `type` and a mistake in rules[4] is reported as rules[4].min_lots, not as a failed union.
const RuleShell = Type.Object({ type: Type.Enum(Object.keys(RULE_SCHEMAS)) });
const HierarchyShell = Type.Object({ mode: Type.Enum(Object.keys(HIERARCHY_SCHEMAS)) });
const PlanShellSchema = Type.Object(planProperties(RuleShell, HierarchyShell), { additionalProperties: false });

/**
 * Checks a plan beyond its JSON schema. Returns the plan (a copy) only when there are no issues;
 * every issue names the field, e.g. `rules[5].tiers[1].from_lots`.
 */
export function validatePlan(input: unknown): { plan?: Plan; issues: PlanIssue[] } {
  const issues = schemaIssues(PlanShellSchema, input);
  if (input === null || typeof input !== 'object') return { issues };
  const raw = input as Record<string, unknown>;
  if (Array.isArray(raw.rules)) {
    raw.rules.forEach((rule, i) => {
      const type = (rule as { type?: unknown } | null)?.type;
      if (typeof type === 'string' && Object.hasOwn(RULE_SCHEMAS, type))
        issues.push(...schemaIssues(RULE_SCHEMAS[type as keyof typeof RULE_SCHEMAS], rule, `rules[${i}]`));
    });
  }
  const mode = (raw.hierarchy as { mode?: unknown } | null | undefined)?.mode;
  if (typeof mode === 'string' && Object.hasOwn(HIERARCHY_SCHEMAS, mode))
    issues.push(...schemaIssues(HIERARCHY_SCHEMAS[mode as keyof typeof HIERARCHY_SCHEMAS], raw.hierarchy, 'hierarchy'));
  if (issues.length) return { issues };

  const plan = structuredClone(input) as Plan;
  issues.push(...semanticIssues(plan));
  return issues.length ? { issues } : { plan, issues };
}

function semanticIssues(plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const add = (field: string, reason: string) => issues.push({ field, reason });
  if (!isCurrencyCode(plan.currency)) add('currency', 'is not a known ISO 4217 currency code');

  const groups = new Set<string>();
  (plan.symbol_groups ?? []).forEach((g, i) => {
    if (groups.has(g.group)) add(`symbol_groups[${i}].group`, `duplicates the group name "${g.group}"`);
    groups.add(g.group);
  });

  const seen = new Map<string, number>();
  plan.rules.forEach((rule, i) => {
    const first = seen.get(rule.type);
    if (first !== undefined) add(`rules[${i}].type`, `repeats rules[${first}]; a plan has at most one ${rule.type} rule`);
    else seen.set(rule.type, i);
    checkRule(rule, `rules[${i}]`, groups, add);
  });

  if (plan.hierarchy) checkHierarchy(plan.hierarchy, seen.has('per_lot'), add);
  if (plan.client_rebate) checkClientRebate(plan.client_rebate, 'client_rebate', add);
  const norm = plan.symbol_normalisation;
  if (norm) {
    for (const key of ['prefixes', 'suffixes'] as const)
      norm[key].forEach((source, i) => {
        try {
          new RegExp(source);
        } catch {
          add(`symbol_normalisation.${key}[${i}]`, 'is not a valid regular expression');
        }
      });
  }
  return issues;
}

type Add = (field: string, reason: string) => void;

/** Significant-digit limit shared with the data API, and an upper bound for percents. */
export function checkDecimal(value: string, field: string, add: Add, opts: { percent?: boolean; positive?: boolean } = {}): void {
  if (significantDigits(value) > MAX_SIGNIFICANT_DIGITS) add(field, `must not exceed ${MAX_SIGNIFICANT_DIGITS} significant digits`);
  else if (opts.percent && new Dec(value).gt(100)) add(field, 'must be a percent from "0" to "100"');
  else if (opts.positive && new Dec(value).isZero()) add(field, 'must be greater than zero');
}

/** Rate entries are shared by the plan's per_lot rule and a partner's own overrides. */
export function checkRateEntries(rates: RateEntry[], base: string, groups: Set<string>, add: Add): void {
  const keys = new Map<string, number>();
  rates.forEach((r, j) => {
    const at = `${base}[${j}]`;
    checkDecimal(r.rate, `${at}.rate`, add);
    if ((r.symbol === undefined) === (r.group === undefined)) {
      add(at, 'must name exactly one of symbol or group');
      return;
    }
    if (r.group !== undefined && !groups.has(r.group)) add(`${at}.group`, `refers to "${r.group}", which is not declared in symbol_groups`);
    const key = `${r.symbol !== undefined ? `symbol ${r.symbol}` : `group ${r.group}`}${r.account_types ? ` for account types ${[...r.account_types].map((a) => a.toUpperCase()).sort().join(', ')}` : ''}`;
    const earlier = keys.get(key);
    if (earlier !== undefined) add(at, `repeats the rate for ${key} given at ${base}[${earlier}]`);
    else keys.set(key, j);
  });
}

function checkRule(rule: Rule, at: string, groups: Set<string>, add: Add): void {
  switch (rule.type) {
    case 'per_lot':
      checkRateEntries(rule.rates, `${at}.rates`, groups, add);
      return;
    case 'per_notional':
      checkDecimal(rule.per_usd, `${at}.per_usd`, add, { positive: true });
      checkDecimal(rule.rate, `${at}.rate`, add);
      return;
    case 'spread_share':
      checkDecimal(rule.percent, `${at}.percent`, add, { percent: true });
      return;
    case 'revenue_share':
      checkDecimal(rule.percent, `${at}.percent`, add, { percent: true });
      rule.tiers?.forEach((tier, k) => {
        checkDecimal(tier.from_net_revenue, `${at}.tiers[${k}].from_net_revenue`, add);
        checkDecimal(tier.percent, `${at}.tiers[${k}].percent`, add, { percent: true });
        const previous = k === 0 ? '0' : rule.tiers![k - 1].from_net_revenue;
        if (!new Dec(tier.from_net_revenue).gt(previous))
          add(`${at}.tiers[${k}].from_net_revenue`, k === 0 ? 'must be above "0"; below the first tier the rule\'s percent applies' : `must be greater than tiers[${k - 1}].from_net_revenue (${previous}); tiers are strictly ascending`);
      });
      return;
    case 'cpa':
      checkDecimal(rule.amount, `${at}.amount`, add);
      checkDecimal(rule.min_first_deposit, `${at}.min_first_deposit`, add);
      checkDecimal(rule.min_lots, `${at}.min_lots`, add);
      for (const [country, amount] of Object.entries(rule.country_amounts ?? {})) {
        if (!/^[A-Z]{2}$/.test(country)) add(`${at}.country_amounts.${country}`, 'must be keyed by an ISO 3166-1 alpha-2 country code such as AE');
        else checkDecimal(amount, `${at}.country_amounts.${country}`, add);
      }
      return;
    case 'tiered_per_lot':
      rule.tiers.forEach((tier, k) => {
        checkDecimal(tier.from_lots, `${at}.tiers[${k}].from_lots`, add);
        checkDecimal(tier.rate, `${at}.tiers[${k}].rate`, add);
        if (k === 0 && !new Dec(tier.from_lots).isZero()) add(`${at}.tiers[0].from_lots`, 'must be "0" so every lot falls in a tier');
        if (k > 0 && !new Dec(tier.from_lots).gt(rule.tiers[k - 1].from_lots))
          add(`${at}.tiers[${k}].from_lots`, `must be greater than tiers[${k - 1}].from_lots (${rule.tiers[k - 1].from_lots}); tiers are strictly ascending`);
      });
  }
}

function checkHierarchy(h: Hierarchy, hasPerLot: boolean, add: Add): void {
  if (h.mode === 'differential') {
    if (!hasPerLot) add('hierarchy.mode', 'differential compares per-lot rates, so the plan needs a per_lot rule');
    return;
  }
  const levels = new Set<number>();
  h.levels.forEach((l, i) => {
    if (levels.has(l.level)) add(`hierarchy.levels[${i}].level`, `repeats level ${l.level}`);
    levels.add(l.level);
  });
  if (h.mode === 'override') {
    h.levels.forEach((l, i) => {
      const at = `hierarchy.levels[${i}]`;
      if ((l.per_lot === undefined) === (l.percent_of_child === undefined)) {
        add(at, 'must set exactly one of per_lot or percent_of_child');
        return;
      }
      if (l.per_lot !== undefined) checkDecimal(l.per_lot, `${at}.per_lot`, add);
      if (l.percent_of_child !== undefined) {
        checkDecimal(l.percent_of_child, `${at}.percent_of_child`, add, { percent: true });
        if (l.level > 1 && !levels.has(l.level - 1))
          add(`${at}.percent_of_child`, `needs level ${l.level - 1} configured, since it is a percent of what that level earns`);
      }
    });
    return;
  }
  let total = new Dec(0);
  h.levels.forEach((l, i) => {
    checkDecimal(l.percent, `hierarchy.levels[${i}].percent`, add, { percent: true });
    total = total.plus(l.percent);
  });
  if (!levels.has(0)) add('hierarchy.levels', 'must include level 0, the customer\'s owner');
  if (!total.eq(100)) add('hierarchy.levels', `percents must sum to 100; they sum to ${total.toFixed()}`);
}

/** Plan default and partner setting share the same shape: at most one of per_lot or percent. */
export function checkClientRebate(c: Partial<ClientRebatePolicy>, at: string, add: Add): void {
  if (c.per_lot !== undefined && c.percent !== undefined) add(at, 'must set per_lot or percent, not both');
  if (c.allowed === false && (c.per_lot !== undefined || c.percent !== undefined)) add(at, 'sets a rebate although allowed is false');
  if (c.per_lot !== undefined) checkDecimal(c.per_lot, `${at}.per_lot`, add);
  if (c.percent !== undefined) checkDecimal(c.percent, `${at}.percent`, add, { percent: true });
}
