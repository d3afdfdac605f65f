import type { Sql } from '../../db/index.ts';
import { Dec } from '../../shared/decimal.ts';
import { addDays } from '../../shared/dates.ts';
import { type Explanation, type ExplanationInput, explain } from '../maths/explanation.ts';
import type { PerLotCap, PolicyDefinition, PolicyRuleType } from '../jurisdiction/policy-schema.ts';
import { standardPipValue, symbolListed } from '../symbols.ts';
import type { DesiredEntry } from './desired.ts';
import { type ActivityFact, activitySourceKey, type DealFact } from './facts.ts';
import { lastDayOf, periodOf } from './periods.ts';

export interface PolicyInForce {
  policy: PolicyDefinition;
  policy_id: string;
  version: number;
}

interface StoredVersion {
  policy_id: string;
  version: number;
  effective_from: string;
  definition: PolicyDefinition;
}

/**
 * Which version of each jurisdiction policy is in force on a business date, loaded once per run.
 * A version applies from its effective_from until a later one; a later version with the same date
 * supersedes an earlier one; a retired version ends the policy.
 */
export class PoliciesAt {
  private readonly versions = new Map<string, StoredVersion[]>();
  private readonly memo = new Map<string, PolicyInForce[]>();

  static async load(db: Sql): Promise<PoliciesAt> {
    const rows = await db.query<StoredVersion>(
      'SELECT policy_id, version, effective_from::text, definition FROM jurisdiction_policy_versions ORDER BY policy_id, effective_from, version',
    );
    return PoliciesAt.of(rows);
  }

  static of(rows: StoredVersion[]): PoliciesAt {
    const out = new PoliciesAt();
    const sorted = [...rows].sort((a, b) => (a.policy_id !== b.policy_id ? (a.policy_id < b.policy_id ? -1 : 1) : a.effective_from !== b.effective_from ? (a.effective_from < b.effective_from ? -1 : 1) : a.version - b.version));
    for (const r of sorted) out.versions.set(r.policy_id, [...(out.versions.get(r.policy_id) ?? []), r]);
    return out;
  }

  get empty(): boolean {
    return this.versions.size === 0;
  }

  /** Whether any version of any policy sets a period cap (those sum a partner's whole day, week or month). */
  get periodCapped(): boolean {
    for (const list of this.versions.values()) if (list.some((v) => v.definition.period_caps && !v.definition.retired)) return true;
    return false;
  }

  /** The policies in force on a date for a client of this country. */
  for(country: string | null | undefined, date: string): PolicyInForce[] {
    const key = `${country ?? ''}|${date}`;
    const hit = this.memo.get(key);
    if (hit) return hit;
    const out: PolicyInForce[] = [];
    for (const [policyId, list] of this.versions) {
      const v = inForce(list, date);
      if (!v || v.definition.retired) continue;
      const countries = v.definition.countries;
      if (countries && (!country || !countries.includes(country.toUpperCase()))) continue;
      out.push({ policy: v.definition, policy_id: policyId, version: v.version });
    }
    this.memo.set(key, out);
    return out;
  }

  /** One policy's version in force on a date (undefined when none or retired). */
  version(policyId: string, date: string): PolicyInForce | undefined {
    const v = inForce(this.versions.get(policyId) ?? [], date);
    return v && !v.definition.retired ? { policy: v.definition, policy_id: policyId, version: v.version } : undefined;
  }
}

function inForce(list: StoredVersion[], date: string): StoredVersion | undefined {
  let found: StoredVersion | undefined;
  for (const v of list) if (v.effective_from <= date) found = v;
  return found;
}

/** "jurisdiction policy asic-au v2 (ASIC)": how explanations name a policy. */
export function policyLabel(p: PolicyInForce): string {
  return `jurisdiction policy ${p.policy_id} v${p.version}${p.policy.regulator ? ` (${p.policy.regulator})` : ''}`;
}

const policyInputs = (p: PolicyInForce, country: string | null | undefined): Record<string, ExplanationInput> => ({
  policy_id: p.policy_id,
  policy_version: p.version,
  regulator: p.policy.regulator ?? null,
  client_country: country ?? null,
});

/** The explanation of an amount a policy set to zero, wrapping how it was computed before. */
export function removedBy(p: PolicyInForce, country: string | null | undefined, what: string, before: { amount: string; explanation: Explanation }, reason: string): Explanation {
  return explain({
    rule: 'jurisdiction_policy',
    inputs: { ...policyInputs(p, country), removed: what, amount_before: before.amount },
    formula: 'nothing is paid: removed by the jurisdiction policy',
    arithmetic: `0 (was ${before.amount})`,
    result: '0',
    notes: [`Removed by ${policyLabel(p)}: ${reason}.`],
    steps: [before.explanation],
  });
}

/** Entry rules grouped by the plan rule type they come from (with their overrides and splits). */
const RULE_TYPE_OF: Record<string, PolicyRuleType> = {
  per_lot: 'per_lot', override: 'per_lot', split: 'per_lot', differential: 'per_lot', client_rebate: 'per_lot',
  per_notional: 'per_notional', split_per_notional: 'per_notional', override_per_notional: 'per_notional',
  spread_share: 'spread_share', split_spread_share: 'spread_share', override_spread_share: 'spread_share',
  cpa: 'cpa',
};

export interface PolicyContext {
  policies: PoliciesAt;
  countryOf: (customerId: string) => string | null | undefined;
  dealsOf: (fact: ActivityFact) => DealFact[] | undefined;
}

/**
 * Applies the per-customer rules of jurisdiction policies to what the plans would pay, in this
 * order: acquisition refused (the whole fact pays nothing, one zero entry for the owner says why),
 * rule types not allowed (each such entry becomes a zero that says why), then per-lot and per-trade
 * caps (one cap_adjustment per partner and fact takes off the excess). Client rebates are removed
 * where they are computed (activity-rules.ts), since an override may be a percent of the owner's
 * net. Period caps come after, over the result (policyPeriodCaps).
 */
export function applyPolicies(desired: DesiredEntry[], facts: readonly ActivityFact[], ctx: PolicyContext): DesiredEntry[] {
  if (ctx.policies.empty) return desired;
  const factOf = new Map(facts.map((f) => [activitySourceKey(f), f]));
  const blockedZeros = new Map<string, DesiredEntry>();
  let out: DesiredEntry[] = [];
  for (const e of desired) {
    if (!e.customer_id || (e.source_type !== 'activity' && e.source_type !== 'customer')) {
      out.push(e);
      continue;
    }
    const country = ctx.countryOf(e.customer_id);
    const policies = ctx.policies.for(country, e.fact_date);
    if (!policies.length) {
      out.push(e);
      continue;
    }
    const owner = e.source_type === 'activity' ? factOf.get(e.source_key)?.owner_id ?? undefined : e.level === 0 ? e.partner_id : undefined;
    const blocking = policies.find((p) => p.policy.acquisition?.allowed === false && !(owner && p.policy.acquisition.except_partners?.includes(owner)));
    if (blocking) {
      const key = `${e.source_type}|${e.source_key}`;
      const zero = blockedZeros.get(key);
      const reason = `partners may not acquire clients from ${country ?? 'this country'}`;
      if (!zero) {
        blockedZeros.set(key, {
          ...e, rule: 'jurisdiction_blocked', kind: e.kind === 'cpa' ? 'cpa' : e.kind === 'client_rebate' ? 'per_lot' : e.kind, partner_id: owner ?? e.partner_id, level: 0, amount: '0', record_zero: true,
          explanation: removedBy(blocking, country, 'all pay on this fact', { amount: e.amount, explanation: e.explanation }, reason),
        });
      } else {
        const ex = zero.explanation;
        const before = new Dec(ex.inputs.amount_before as string).plus(e.amount).toFixed();
        zero.explanation = { ...ex, inputs: { ...ex.inputs, amount_before: before }, arithmetic: `0 (was ${before} in all)`, steps: [...(ex.steps ?? []), e.explanation] };
      }
      continue;
    }
    const type = RULE_TYPE_OF[e.rule];
    const refusing = type ? policies.find((p) => p.policy.disallowed_rules?.includes(type)) : undefined;
    if (refusing && !new Dec(e.amount).isZero()) {
      out.push({ ...e, amount: '0', record_zero: true, explanation: removedBy(refusing, country, `${e.rule} pay`, e, `${type} pay is not allowed for clients in ${country ?? 'every country'}`) });
      continue;
    }
    out.push(e);
  }
  out.push(...blockedZeros.values());
  out = out.concat(tradeCaps(out, facts, ctx));
  return out;
}

/** The cap per lot on a symbol as money in the policy currency, with how it was found. */
function perLotLimit(cap: PerLotCap, symbol: string, currency: string): { amount: string; how: string } | undefined {
  if (cap.amount !== undefined) return { amount: cap.amount, how: `${cap.amount} ${currency} per lot` };
  const pipValue = cap.pip_value ?? standardPipValue(symbol, currency);
  if (pipValue === undefined || cap.pips === undefined) return undefined;
  const amount = new Dec(cap.pips).times(pipValue).toFixed();
  return { amount, how: `${cap.pips} pips × ${pipValue} ${currency} pip value per lot = ${amount} ${currency} per lot` };
}

/** Per-lot and per-trade caps: one cap_adjustment per (fact, partner) and kind of cap. */
function tradeCaps(desired: readonly DesiredEntry[], facts: readonly ActivityFact[], ctx: PolicyContext): DesiredEntry[] {
  const byFact = new Map<string, DesiredEntry[]>();
  for (const e of desired) if (e.source_type === 'activity') byFact.set(e.source_key, [...(byFact.get(e.source_key) ?? []), e]);
  const out: DesiredEntry[] = [];
  const cutsOf = new Map<string, DesiredEntry[]>();
  // Two policies that both cut a partner's pay on one fact make one entry (its identity is the
  // fact, rule, partner and currency) whose explanation holds each cut in turn.
  const cut = (e: DesiredEntry) => {
    const same = cutsOf.get(e.source_key)?.find((c) => c.rule === e.rule && c.partner_id === e.partner_id && c.currency === e.currency);
    if (!same) {
      out.push(e);
      cutsOf.set(e.source_key, [...(cutsOf.get(e.source_key) ?? []), e]);
      return;
    }
    const first = same.explanation.steps?.length && same.explanation.formula.startsWith('the cuts') ? same.explanation.steps : [same.explanation];
    const amounts = [...first, e.explanation].map((x) => x.result);
    same.amount = new Dec(same.amount).plus(e.amount).toFixed();
    same.explanation = explain({
      rule: e.rule, inputs: { policies: first.length + 1 }, formula: 'the cuts of several policies, one after the other',
      arithmetic: `${amounts.join(' + ')} = ${same.amount}`, result: same.amount,
      notes: [...first, e.explanation].flatMap((x) => x.notes ?? []), steps: [...first, e.explanation],
    });
  };
  for (const fact of facts) {
    const entries = byFact.get(activitySourceKey(fact));
    if (!entries?.length) continue;
    const country = fact.country_code;
    const policies = ctx.policies.for(country, fact.date).filter((p) => p.policy.currency && (p.policy.per_lot_caps || p.policy.per_trade_cap));
    if (!policies.length) continue;
    const lots = new Dec(fact.lots_traded);
    for (const policy of policies) {
      const currency = policy.policy.currency as string;
      // The lowest per-lot cap of this policy that covers the symbol.
      let limit: { amount: string; how: string } | undefined;
      for (const cap of policy.policy.per_lot_caps ?? []) {
        if (!symbolListed(fact.instrument, cap.symbols)) continue;
        const l = perLotLimit(cap, fact.instrument, currency);
        if (l && (!limit || new Dec(l.amount).lt(limit.amount))) limit = l;
      }
      const deals = ctx.dealsOf(fact);
      const perTrade = policy.policy.per_trade_cap;
      const byPartner = new Map<string, { level: number; hold?: string; earned: Dec }>();
      // The fact's entries, with what an earlier policy's caps already took off.
      for (const e of [...entries, ...(cutsOf.get(activitySourceKey(fact)) ?? [])]) {
        if (e.currency !== currency) continue;
        const p = byPartner.get(e.partner_id) ?? { level: e.level, hold: e.hold_reason, earned: new Dec(0) };
        p.earned = p.earned.plus(e.amount);
        p.level = Math.min(p.level, e.level);
        byPartner.set(e.partner_id, p);
      }
      for (const [partnerId, p] of byPartner) {
        if (!p.earned.gt(0) || !lots.gt(0)) continue;
        const base = {
          source_type: 'activity' as const, source_key: activitySourceKey(fact), kind: 'cap_adjustment', partner_id: partnerId, level: p.level, currency,
          fact_date: fact.date, customer_id: fact.customer_id, instrument: fact.instrument, hold_reason: p.hold,
        };
        let earned = p.earned;
        if (limit) {
          const allowed = lots.times(limit.amount);
          if (earned.gt(allowed)) {
            const amount = allowed.minus(earned).toFixed();
            cut({
              ...base, rule: 'jurisdiction_per_lot_cap', amount,
              explanation: explain({
                rule: 'jurisdiction_per_lot_cap',
                inputs: { ...policyInputs(policy, country), symbol: fact.instrument, lots: fact.lots_traded, cap_per_lot: limit.amount, earned: earned.toFixed() },
                formula: 'lots × cap per lot − earned (what the partner earned on this fact above the cap)',
                arithmetic: `${fact.lots_traded} × ${limit.amount} − ${earned.toFixed()} = ${amount}`,
                result: amount,
                notes: [`Cut by ${policyLabel(policy)}: at most ${limit.how} on ${fact.instrument} for clients in ${country ?? 'every country'}.`],
              }),
            });
            earned = allowed;
          }
        }
        if (perTrade !== undefined && deals?.length) {
          const totalLots = deals.reduce((s, d) => s.plus(new Dec(d.lots).abs()), new Dec(0));
          if (totalLots.isZero()) continue;
          let excess = new Dec(0);
          for (const d of deals) {
            const share = earned.times(new Dec(d.lots).abs()).div(totalLots);
            if (share.gt(perTrade)) excess = excess.plus(share.minus(perTrade));
          }
          if (excess.gt(0)) {
            const amount = excess.neg().toFixed();
            cut({
              ...base, rule: 'jurisdiction_per_trade_cap', amount,
              explanation: explain({
                rule: 'jurisdiction_per_trade_cap',
                inputs: { ...policyInputs(policy, country), trades: deals.length, cap_per_trade: perTrade, earned: earned.toFixed() },
                formula: 'each trade earns its share of the pay by lots; −Σ (share − cap) over the trades above the cap',
                arithmetic: `−${excess.toFixed()} = ${amount}`,
                result: amount,
                notes: [`Cut by ${policyLabel(policy)}: at most ${perTrade} ${currency} per trade for clients in ${country ?? 'every country'}.`],
              }),
            });
          }
        }
      }
    }
  }
  return out;
}

/** The Monday of a date's week, but not before the first of its month (weeks are capped within a month). */
function weekStart(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  const monday = addDays(date, -((dow + 6) % 7));
  const first = `${periodOf(date)}-01`;
  return monday < first ? first : monday;
}
function weekEnd(start: string): string {
  const sunday = addDays(start, 6 - ((new Date(`${start}T00:00:00Z`).getUTCDay() + 6) % 7));
  const last = lastDayOf(periodOf(start));
  return sunday > last ? last : sunday;
}

/**
 * Period caps of jurisdiction policies: what a partner earns from the policy's clients (in its
 * currency, per-lot and per-trade caps counted) is summed per business day; above `per_day` one
 * cap_adjustment takes the excess off; the days' kept amounts sum per week (within the month) and
 * per month the same way. Runs recompute whole months while any policy sets a period cap.
 */
export function policyPeriodCaps(desired: readonly DesiredEntry[], ctx: Pick<PolicyContext, 'policies' | 'countryOf'>): DesiredEntry[] {
  if (!ctx.policies.periodCapped) return [];
  const byDay = new Map<string, { policy: string; partner: string; day: string; currency: string; total: Dec }>();
  for (const e of desired) {
    if (!e.customer_id) continue;
    for (const p of ctx.policies.for(ctx.countryOf(e.customer_id), e.fact_date)) {
      if (!p.policy.period_caps || p.policy.currency !== e.currency) continue;
      const key = `${p.policy_id}|${e.partner_id}|${e.fact_date}`;
      const d = byDay.get(key) ?? { policy: p.policy_id, partner: e.partner_id, day: e.fact_date, currency: e.currency, total: new Dec(0) };
      d.total = d.total.plus(e.amount);
      byDay.set(key, d);
    }
  }
  const out: DesiredEntry[] = [];
  const weeks = new Map<string, { policy: string; partner: string; start: string; currency: string; total: Dec }>();
  const months = new Map<string, { policy: string; partner: string; period: string; currency: string; total: Dec }>();
  for (const d of [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))) {
    let kept = d.total;
    const p = ctx.policies.version(d.policy, d.day);
    const cap = p?.policy.period_caps?.per_day;
    if (p && cap !== undefined && kept.gt(cap)) {
      out.push(periodCapEntry(p, d.partner, 'partner_day', `${d.partner}|${d.day}|jurisdiction:${d.policy}`, d.day, d.currency, cap, kept, 'day', d.day));
      kept = new Dec(cap);
    }
    const start = weekStart(d.day);
    const wKey = `${d.policy}|${d.partner}|${start}`;
    const w = weeks.get(wKey) ?? { policy: d.policy, partner: d.partner, start, currency: d.currency, total: new Dec(0) };
    w.total = w.total.plus(kept);
    weeks.set(wKey, w);
  }
  for (const w of [...weeks.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))) {
    const end = weekEnd(w.start);
    const p = ctx.policies.version(w.policy, end);
    const cap = p?.policy.period_caps?.per_week;
    let kept = w.total;
    if (p && cap !== undefined && kept.gt(cap)) {
      out.push(periodCapEntry(p, w.partner, 'partner_period', `${w.partner}|${w.start}|week|jurisdiction:${w.policy}`, end, w.currency, cap, kept, 'week', `${w.start} to ${end}`));
      kept = new Dec(cap);
    }
    const period = periodOf(w.start);
    const mKey = `${w.policy}|${w.partner}|${period}`;
    const m = months.get(mKey) ?? { policy: w.policy, partner: w.partner, period, currency: w.currency, total: new Dec(0) };
    m.total = m.total.plus(kept);
    months.set(mKey, m);
  }
  for (const m of months.values()) {
    const day = lastDayOf(m.period);
    const p = ctx.policies.version(m.policy, day);
    const cap = p?.policy.period_caps?.per_month;
    if (p && cap !== undefined && m.total.gt(cap))
      out.push(periodCapEntry(p, m.partner, 'partner_period', `${m.partner}|${m.period}|month|jurisdiction:${m.policy}`, day, m.currency, cap, m.total, 'month', m.period));
  }
  return out;
}

function periodCapEntry(
  p: PolicyInForce, partnerId: string, sourceType: 'partner_day' | 'partner_period', sourceKey: string, factDate: string, currency: string,
  cap: string, earned: Dec, which: 'day' | 'week' | 'month', span: string,
): DesiredEntry {
  const amount = new Dec(cap).minus(earned).toFixed();
  const rule = `jurisdiction_${which}_cap`;
  return {
    source_type: sourceType, source_key: sourceKey, rule, kind: 'cap_adjustment', partner_id: partnerId, level: 0, currency, amount, fact_date: factDate,
    explanation: explain({
      rule,
      inputs: { policy_id: p.policy_id, policy_version: p.version, regulator: p.policy.regulator ?? null, cap: `per_${which}`, period: span, limit: cap, earned: earned.toFixed() },
      formula: `limit − earned (what the partner earned from the policy's clients above the ${which === 'day' ? 'daily' : which === 'week' ? 'weekly' : 'monthly'} cap)`,
      arithmetic: `${cap} − ${earned.toFixed()} = ${amount}`,
      result: amount,
      notes: [`Cut by ${policyLabel(p)}: at most ${cap} ${currency} per ${which} per partner${p.policy.countries ? ` for clients in ${p.policy.countries.join(', ')}` : ''}.`],
    }),
  };
}
