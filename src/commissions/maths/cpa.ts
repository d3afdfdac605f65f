import { Dec } from '../../shared/decimal.ts';
import type { CpaRule } from '../plan-schema.ts';
import { type Explanation, explain } from './explanation.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type CpaKyc = { status: 'approved'; approved_at: string } | { status: 'pending' | 'rejected' | 'none' };

/** What the engine knows about one customer; amounts already in the plan currency. */
export interface CpaFacts {
  signed_up_at: string;
  country?: string | null;
  /** The approval time is needed so that recomputing later gives the same qualifying date. */
  kyc: CpaKyc;
  /** Approved deposits. A charged-back deposit stays in the list, flagged, and stops counting. */
  deposits: readonly { at: string; amount: string; charged_back?: boolean }[];
  /** Lots traded: deal close times, or YYYY-MM-DD for a daily activity row (the whole UTC day). */
  trading: readonly { at: string; lots: string }[];
}

export interface CpaProgress {
  ftd_amount: string;
  min_first_deposit: string;
  ftd_window_closes_at: string | null;
  ftd_met: boolean;
  lots: string;
  min_lots: string;
  lots_met: boolean;
  kyc_required: boolean;
  kyc_status: CpaKyc['status'];
  kyc_met: boolean;
  deadline: string;
  days_left: number;
}

export type CpaNotEligibleReason = 'country_not_paid' | 'kyc_rejected' | 'ftd_below_minimum';

export type CpaResult =
  | { status: 'qualified'; amount: string; qualified_at: string; progress: CpaProgress; explanation: Explanation }
  | { status: 'pending' | 'expired'; amount: '0'; cpa_amount: string; progress: CpaProgress; explanation: Explanation }
  | { status: 'not_eligible'; amount: '0'; reason: CpaNotEligibleReason; progress: CpaProgress; explanation: Explanation };

/** The CPA amount for a customer's country: the country's own amount when the plan lists one. */
export function cpaAmountFor(rule: Pick<CpaRule, 'amount' | 'country_amounts'>, country?: string | null): { amount: string; source: string } {
  const byCountry = country ? rule.country_amounts?.[country.toUpperCase()] : undefined;
  return byCountry !== undefined ? { amount: byCountry, source: `country ${country?.toUpperCase()}` } : { amount: rule.amount, source: 'plan amount' };
}

/**
 * Where a customer stands against the CPA rule at `now`. Qualifies at the moment the last of the
 * conditions is met — FTD ≥ minimum (deposits within ftd_window_hours of the first), lots since
 * sign-up ≥ min_lots, KYC approved if required — provided that moment is within qualify_within_days
 * of sign-up. The result depends only on the facts and `now`, so a recomputation gives the same
 * answer; paying it once per customer is the ledger's job (one CPA entry per customer).
 */
export function cpaStatus(rule: CpaRule, facts: CpaFacts, now: string): CpaResult {
  const nowMs = Date.parse(now);
  const signup = Date.parse(facts.signed_up_at);
  const deadline = signup + rule.qualify_within_days * DAY;
  const { amount: cpaAmount, source } = cpaAmountFor(rule, facts.country);

  const ftd = firstTimeDeposit(facts.deposits, rule.ftd_window_hours, rule.min_first_deposit);
  const lots = lotsSinceSignup(facts.trading, signup, deadline, rule.min_lots);
  const kycAt = !rule.require_kyc ? signup : facts.kyc.status === 'approved' ? Date.parse(facts.kyc.approved_at) : null;
  const progress: CpaProgress = {
    ftd_amount: ftd.amount,
    min_first_deposit: rule.min_first_deposit,
    ftd_window_closes_at: ftd.windowEnd === null ? null : iso(ftd.windowEnd),
    ftd_met: ftd.reachedAt !== null,
    lots: lots.total,
    min_lots: rule.min_lots,
    lots_met: lots.reachedAt !== null,
    kyc_required: rule.require_kyc,
    kyc_status: facts.kyc.status,
    kyc_met: kycAt !== null,
    deadline: iso(deadline),
    days_left: Math.max(0, Math.ceil((deadline - nowMs) / DAY)),
  };
  const inputs = {
    signed_up_at: facts.signed_up_at,
    country: facts.country ?? null,
    cpa_amount: cpaAmount,
    amount_source: source,
    ftd_amount: ftd.amount,
    min_first_deposit: rule.min_first_deposit,
    ftd_window_hours: rule.ftd_window_hours,
    lots: lots.total,
    min_lots: rule.min_lots,
    kyc_status: facts.kyc.status,
    require_kyc: rule.require_kyc,
    qualify_within_days: rule.qualify_within_days,
    deadline: iso(deadline),
  };
  const conditions = `FTD ${ftd.amount} vs ${rule.min_first_deposit}; lots ${lots.total} vs ${rule.min_lots}; KYC ${facts.kyc.status}${rule.require_kyc ? ' (required)' : ' (not required)'}`;
  const nothing = (status: string, note: string) =>
    explain({ rule: 'cpa', inputs: { ...inputs, status }, formula: 'the CPA amount, once, when every condition is met within the window', arithmetic: `${conditions} → 0`, result: '0', notes: [note] });

  const notEligible = (reason: CpaNotEligibleReason, note: string): CpaResult => ({ status: 'not_eligible', amount: '0', reason, progress, explanation: nothing('not_eligible', note) });
  if (new Dec(cpaAmount).isZero()) return notEligible('country_not_paid', `the plan pays no CPA for ${source}`);
  if (rule.require_kyc && facts.kyc.status === 'rejected') return notEligible('kyc_rejected', 'KYC was rejected; the plan requires it approved');
  if (ftd.windowEnd !== null && ftd.windowEnd < nowMs && ftd.reachedAt === null)
    return notEligible('ftd_below_minimum', `the FTD window closed at ${iso(ftd.windowEnd)} with ${ftd.amount}, below the minimum ${rule.min_first_deposit}`);

  const met = [ftd.reachedAt, lots.reachedAt, kycAt];
  const qualifiedAt = met.every((t) => t !== null) ? Math.max(...(met as number[])) : null;
  if (qualifiedAt !== null && qualifiedAt <= deadline && qualifiedAt <= nowMs) {
    return {
      status: 'qualified',
      amount: cpaAmount,
      qualified_at: iso(qualifiedAt),
      progress,
      explanation: explain({
        rule: 'cpa',
        inputs: { ...inputs, status: 'qualified', qualified_at: iso(qualifiedAt) },
        formula: 'the CPA amount, once, when every condition is met within the window',
        arithmetic: `${conditions}; all met at ${iso(qualifiedAt)}, before ${iso(deadline)} → ${cpaAmount} (${source})`,
        result: cpaAmount,
      }),
    };
  }
  if (nowMs <= deadline)
    return { status: 'pending', amount: '0', cpa_amount: cpaAmount, progress, explanation: nothing('pending', `not all conditions met yet; ${progress.days_left} day(s) left`) };
  return { status: 'expired', amount: '0', cpa_amount: cpaAmount, progress, explanation: nothing('expired', `the conditions were not all met by ${iso(deadline)}`) };
}

/** All approved deposits within the window after the first one; reachedAt is when the sum hit the minimum. */
function firstTimeDeposit(deposits: CpaFacts['deposits'], windowHours: number, minimum: string) {
  const counted = deposits.filter((d) => !d.charged_back).map((d) => ({ at: Date.parse(d.at), amount: d.amount }));
  counted.sort((a, b) => a.at - b.at);
  if (counted.length === 0) return { amount: '0', windowEnd: null, reachedAt: null };
  const windowEnd = counted[0].at + windowHours * HOUR;
  let sum = new Dec(0);
  let reachedAt: number | null = null;
  for (const d of counted) {
    if (d.at > windowEnd) break;
    sum = sum.plus(d.amount);
    if (reachedAt === null && sum.gte(minimum)) reachedAt = d.at;
  }
  return { amount: sum.toFixed(), windowEnd, reachedAt };
}

/** Lots traded from sign-up to the deadline; reachedAt is when the running total hit min_lots. */
function lotsSinceSignup(trading: CpaFacts['trading'], signup: number, deadline: number, minLots: string) {
  const rows = trading
    .map((t) => {
      const start = Date.parse(t.at);
      const end = /^\d{4}-\d{2}-\d{2}$/.test(t.at) ? start + DAY : start;
      // A daily row of the sign-up day counts from the moment of sign-up.
      return { at: Math.max(start, signup), end, lots: t.lots };
    })
    .filter((r) => r.end >= signup && r.at <= deadline)
    .sort((a, b) => a.at - b.at);
  let total = new Dec(0);
  let reachedAt: number | null = new Dec(minLots).isZero() ? signup : null;
  for (const r of rows) {
    total = total.plus(r.lots);
    if (reachedAt === null && total.gte(minLots)) reachedAt = r.at;
  }
  return { total: total.toFixed(), reachedAt };
}

const iso = (ms: number) => new Date(ms).toISOString();
