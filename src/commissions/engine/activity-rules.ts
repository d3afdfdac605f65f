import { Dec } from '../../shared/decimal.ts';
import { applyClientRebate, clientRebateSettingFor } from '../maths/client-rebate.ts';
import { countDealLots } from '../maths/deals.ts';
import { differentialEarnings } from '../maths/differential.ts';
import { eligibility, exclusionsOf, type KycStatus } from '../maths/exclusions.ts';
import type { Earning, Explanation, LevelEarning } from '../maths/explanation.ts';
import { overrideEarnings } from '../maths/override.ts';
import { perLotCommission } from '../maths/per-lot.ts';
import { perNotionalCommission } from '../maths/per-notional.ts';
import { splitPool } from '../maths/split.ts';
import { spreadShareCommission } from '../maths/spread-share.ts';
import { findRule, type Plan } from '../plan-schema.ts';
import { perLotRateFor } from '../symbols.ts';
import type { DesiredEntry } from './desired.ts';
import { type ActivityFact, activitySourceKey, type DealFact } from './facts.ts';
import type { PlansAt } from './plans-at.ts';
import { type PolicyInForce, removedBy } from './policies.ts';

export interface ActivityContext {
  plans: PlansAt;
  chainOf: (ownerId: string, eod: string) => string[];
  kycOf: (statusId: string | null) => KycStatus;
  dealsOf: (fact: ActivityFact) => DealFact[] | undefined;
  /** The jurisdiction policies in force for the fact's customer on its date. */
  policiesOf?: (fact: ActivityFact) => PolicyInForce[];
}

/** Lots that earn: with deal-level data, after the plan's hold-time and hedging rules. */
export function eligibleLots(fact: ActivityFact, deals: DealFact[] | undefined, plan: Plan) {
  const rules = exclusionsOf(plan);
  if (!deals?.length || (rules.min_hold_seconds <= 0 && !rules.hedge_netting)) return { lots: fact.lots_traded };
  const counted = countDealLots(
    deals.map((d) => ({ deal_id: d.deal_id, symbol: d.symbol, side: d.side, lots: d.lots, open_time: d.open_time ?? d.close_time, close_time: d.close_time })),
    { min_hold_seconds: rules.min_hold_seconds, hedge_netting: rules.hedge_netting, normalisation: plan.symbol_normalisation },
  );
  const lots = counted.reduce((s, d) => s.plus(d.counted_lots), new Dec(0)).toFixed();
  return { lots, note: `${lots} of ${fact.lots_traded} lots count after the hold-time and hedging rules (${deals.length} deals)` };
}

function withNote(e: Explanation, note?: string): Explanation {
  return note ? { ...e, notes: [...(e.notes ?? []), note] } : e;
}

/**
 * Everything one activity fact earns, for the owner and the partners above it, in the plan's
 * currency (spread share: the activity's currency). Conversion to payout currencies comes later.
 */
export function activityEntries(fact: ActivityFact, ctx: ActivityContext): DesiredEntry[] {
  if (!fact.owner_id) return [];
  const own = ctx.plans.at(fact.owner_id, fact.date);
  if (!own) return [];
  const { plan } = own;
  const verdict = eligibility({ plan, symbol: fact.instrument, self_trading: fact.self_referral !== null, kyc: ctx.kycOf(fact.kyc_status_id), account_type: fact.trading_account_type });
  if (verdict.status === 'excluded') return [];
  const hold = verdict.status === 'pending' ? 'kyc_pending' : undefined;
  const chain = ctx.chainOf(fact.owner_id, fact.eod);
  const { lots, note } = eligibleLots(fact, ctx.dealsOf(fact), plan);
  const base = {
    source_type: 'activity' as const,
    source_key: activitySourceKey(fact),
    fact_date: fact.date,
    customer_id: fact.customer_id,
    instrument: fact.instrument,
    plan_id: own.plan_id,
    plan_version: own.version,
    hold_reason: hold,
  };
  const out: DesiredEntry[] = [];
  const push = (rule: string, kind: string, partner_id: string, level: number, currency: string, e: Earning, extra: Partial<DesiredEntry> = {}) =>
    out.push({ ...base, rule, kind, partner_id, level, currency, amount: e.amount, explanation: withNote(e.explanation, note), ...extra });
  const pushLevels = (rule: string, levels: LevelEarning[]) => {
    for (const l of levels) if (!new Dec(l.amount).isZero()) push(rule, l.level === 0 ? 'per_lot' : 'override', l.partner_id, l.level, plan.currency, l);
  };

  // A client rebate a jurisdiction policy switches off is recorded as a zero saying so; the
  // partner keeps what the rebate would have taken (and overrides are computed on that).
  const rebatesOff = ctx.policiesOf?.(fact).find((p) => p.policy.client_rebates === 'off');
  const clientRebate = (partnerEarning: string) => {
    const { rebate, partner_net } = applyClientRebate({ lots, partner_earning: partnerEarning, setting: clientRebateSettingFor(plan, own.terms) });
    if (new Dec(rebate.amount).isZero()) return partner_net;
    const amount = new Dec(rebate.amount).neg().toFixed();
    if (!rebatesOff) {
      push('client_rebate', 'client_rebate', fact.owner_id as string, 0, plan.currency, { ...rebate, amount });
      return partner_net;
    }
    const explanation = removedBy(rebatesOff, fact.country_code, 'client rebate', { amount, explanation: rebate.explanation }, `client rebates are off for clients in ${fact.country_code ?? 'every country'}`);
    push('client_rebate', 'client_rebate', fact.owner_id as string, 0, plan.currency, { amount: '0', explanation }, { record_zero: true });
    return partnerEarning;
  };

  const perLot = findRule(plan, 'per_lot');
  const rate = perLotRateFor(fact.instrument, plan, own.terms, fact.trading_account_type);
  const ownerEarning = perLot ? perLotCommission({ lots, rate }) : undefined;
  const hierarchy = plan.hierarchy;

  if (ownerEarning && hierarchy?.mode === 'split') {
    const shares = splitPool({ pool: ownerEarning.amount, levels: hierarchy.levels, chain, unclaimed: hierarchy.unclaimed });
    const ownerShare = shares.find((s) => s.level === 0);
    if (ownerShare) clientRebate(ownerShare.amount);
    pushLevels('split', shares);
  } else if (ownerEarning) {
    push('per_lot', 'per_lot', fact.owner_id, 0, plan.currency, ownerEarning, { record_zero: rate.kind === 'no_rate' });
    const partner_net = clientRebate(ownerEarning.amount);
    if (hierarchy?.mode === 'override')
      pushLevels('override', overrideEarnings({ lots, owner_earning: partner_net, levels: hierarchy.levels, ancestors: chain.slice(1) }));
    if (hierarchy?.mode === 'differential') {
      const rateOf = (partnerId: string) => {
        const theirs = ctx.plans.at(partnerId, fact.date);
        const r = theirs ? perLotRateFor(fact.instrument, theirs.plan, theirs.terms, fact.trading_account_type) : undefined;
        return r?.kind === 'rate' ? r.rate : '0';
      };
      const ownerRate = rate.kind === 'rate' ? rate.rate : '0';
      pushLevels('differential', differentialEarnings({ lots, owner_rate: ownerRate, ancestors: chain.slice(1).map((p) => ({ partner_id: p, rate: rateOf(p) })) }));
    }
  } else if (hierarchy?.mode === 'override') {
    pushLevels('override', overrideEarnings({ lots, owner_earning: '0', levels: hierarchy.levels, ancestors: chain.slice(1) }));
  }

  // Volume- and spread-based pay follow the same lots as per-lot pay (hold-time and hedging rules
  // scale the day's notional and spread cost in proportion), and the plan's hierarchy shares them
  // as it shares per-lot pay: a split divides each pool, an override pays its percent of what the
  // level below earned (fixed per-lot overrides are paid once, with the per-lot pay above).
  const share = scaleOf(fact.lots_traded, lots);
  const shared = (rule: 'per_notional' | 'spread_share', currency: string, e: Earning) => {
    if (hierarchy?.mode === 'split') {
      for (const l of splitPool({ pool: e.amount, levels: hierarchy.levels, chain, unclaimed: hierarchy.unclaimed }))
        if (!new Dec(l.amount).isZero()) push(`split_${rule}`, l.level === 0 ? rule : 'override', l.partner_id, l.level, currency, { amount: l.amount, explanation: { ...l.explanation, steps: [e.explanation] } });
      return;
    }
    push(rule, rule, fact.owner_id as string, 0, currency, e);
    if (hierarchy?.mode === 'override')
      for (const l of overrideEarnings({ lots: '0', owner_earning: e.amount, levels: hierarchy.levels.filter((h) => h.percent_of_child !== undefined), ancestors: chain.slice(1) }))
        if (!new Dec(l.amount).isZero()) push(`override_${rule}`, 'override', l.partner_id, l.level, currency, l);
  };
  const notional = findRule(plan, 'per_notional');
  if (notional && fact.volume_usd !== null) shared('per_notional', plan.currency, perNotionalCommission({ volume_usd: scaled(fact.volume_usd, share), rule: notional }));
  const spread = findRule(plan, 'spread_share');
  if (spread && fact.spread_cost !== null) shared('spread_share', fact.currency, spreadShareCommission({ spread_cost: scaled(fact.spread_cost, share), rule: spread }));
  return out;
}

/** The share of the day's lots that earn (1 without deal-level rules). */
function scaleOf(traded: string, counted: string): Dec | undefined {
  if (counted === traded || new Dec(traded).isZero()) return undefined;
  return new Dec(counted).div(traded);
}

const scaled = (value: string, share: Dec | undefined) => (share ? new Dec(value).times(share).toFixed() : value);
