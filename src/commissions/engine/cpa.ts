import type { Sql } from '../../db/index.ts';
import { businessDate } from '../../shared/dates.ts';
import { Dec } from '../../shared/decimal.ts';
import type { CpaFacts } from '../maths/cpa.ts';
import { cpaStatus } from '../maths/cpa.ts';
import { eligibility, type KycStatus } from '../maths/exclusions.ts';
import { findRule } from '../plan-schema.ts';
import type { DesiredEntry } from './desired.ts';
import type { PlansAt } from './plans-at.ts';

interface CustomerRow {
  customer_id: string;
  signup_date: string;
  country_code: string | null;
  kyc_status_id: string | null;
  kyc_approved_at: string | null;
  deposits: { at: string; amount: string }[] | null;
  chargebacks: string | null;
  trading: { at: string; lots: string }[] | null;
}

/** Customers whose CPA may have changed: signed up within the longest qualification window before `to`. */
/** What cpaStatus needs of a customer c, as the columns of CustomerRow. */
export const CPA_CUSTOMER_COLUMNS = `c.customer_id, c.signup_date, c.country_code, c.kyc_status_id, c.kyc_approved_at,
       (SELECT json_agg(json_build_object('at', t.transaction_date, 'amount', t.amount::text) ORDER BY t.transaction_date)
          FROM transactions t WHERE t.customer_id = c.customer_id AND t.transaction_type = 'deposit' AND t.status = 'approved') AS deposits,
       (SELECT sum(t.amount) FROM transactions t WHERE t.customer_id = c.customer_id AND t.transaction_type = 'chargeback' AND t.status = 'approved') AS chargebacks,
       (SELECT json_agg(json_build_object('at', a.date::text, 'lots', a.lots_traded::text) ORDER BY a.date)
          FROM trading_activity a WHERE a.customer_id = c.customer_id AND a.date >= c.signup_date::date) AS trading`;

export type { CustomerRow as CpaCustomerRow };

export async function loadCpaCustomers(db: Sql, from: string, to: string, windowDays: number, customers?: string[]): Promise<CustomerRow[]> {
  return db.query<CustomerRow>(
    `SELECT ${CPA_CUSTOMER_COLUMNS}
     FROM customers c
     WHERE c.signup_date < ($2::date + 1) AND c.signup_date >= ($1::date - make_interval(days => $3))
       AND ($4::text[] IS NULL OR c.customer_id = ANY($4::text[]))`,
    [from, to, windowDays, customers ?? null],
  );
}

/** Approved chargebacks cancel deposits from the earliest on, so a charged-back first deposit stops counting. */
function flagChargebacks(deposits: { at: string; amount: string }[], chargebacks: string | null) {
  let left = new Dec(chargebacks ?? 0);
  return deposits.map((d) => {
    if (left.lte(0)) return d;
    left = left.minus(d.amount);
    return { ...d, charged_back: true };
  });
}

/** A stored customer as the CPA maths sees it. */
export function cpaFactsOf(c: CustomerRow, kyc: KycStatus): CpaFacts {
  return {
    signed_up_at: c.signup_date,
    country: c.country_code,
    kyc: kyc === 'approved' ? { status: 'approved', approved_at: c.kyc_approved_at ?? c.signup_date } : { status: kyc },
    deposits: flagChargebacks(c.deposits ?? [], c.chargebacks),
    trading: c.trading ?? [],
  };
}

/**
 * CPA entries for customers: once per customer, to whoever owned the customer when it qualified,
 * from that owner's plan on that day. A chargeback or a KYC rejection makes it disappear, and the
 * ledger reverses it (or claws it back if it was paid).
 */
export async function cpaEntries(
  rows: CustomerRow[],
  ctx: { plans: PlansAt; ownerAt: (customerId: string, at: string) => { partner_id: string; self_referral: string | null } | undefined; kycOf: (id: string | null) => KycStatus; timeZone: string; now: string },
): Promise<DesiredEntry[]> {
  const out: DesiredEntry[] = [];
  for (const c of rows) {
    const owner = ctx.ownerAt(c.customer_id, c.signup_date) ?? ctx.ownerAt(c.customer_id, ctx.now);
    if (!owner) continue;
    const signupDay = businessDate(c.signup_date, ctx.timeZone);
    const own = ctx.plans.at(owner.partner_id, signupDay);
    const rule = own ? findRule(own.plan, 'cpa') : undefined;
    if (!own || !rule) continue;
    const kyc = ctx.kycOf(c.kyc_status_id);
    const facts = cpaFactsOf(c, kyc);
    const result = cpaStatus(rule, facts, ctx.now);
    if (result.status !== 'qualified') continue;
    const qualifiedDay = businessDate(result.qualified_at, ctx.timeZone);
    // The owner at the moment of qualification earns it, on its plan of that day.
    const payee = ctx.ownerAt(c.customer_id, result.qualified_at) ?? owner;
    const payeePlan = ctx.plans.at(payee.partner_id, qualifiedDay) ?? own;
    const payeeRule = findRule(payeePlan.plan, 'cpa') ?? rule;
    const verdict = eligibility({ plan: payeePlan.plan, self_trading: payee.self_referral !== null, kyc });
    if (verdict.status === 'excluded') continue;
    const amount = payeeRule === rule ? result.amount : cpaStatus(payeeRule, facts, ctx.now).amount;
    out.push({
      source_type: 'customer',
      source_key: c.customer_id,
      rule: 'cpa',
      kind: 'cpa',
      partner_id: payee.partner_id,
      level: 0,
      currency: payeePlan.plan.currency,
      amount,
      fact_date: qualifiedDay,
      customer_id: c.customer_id,
      plan_id: payeePlan.plan_id,
      plan_version: payeePlan.version,
      hold_reason: verdict.status === 'pending' ? 'kyc_pending' : undefined,
      explanation: result.explanation,
    });
  }
  return out;
}

/** Owner of each customer at any instant, from the attribution history (loaded once per run). */
export async function loadOwnership(db: Sql, customerIds: string[]) {
  const rows = await db.query<{ customer_id: string; partner_id: string; effective_from: string; effective_to: string | null; self_referral: string | null }>(
    `SELECT customer_id, partner_id, effective_from, effective_to, self_referral FROM attributions
     WHERE customer_id = ANY($1::text[]) AND superseded_at IS NULL ORDER BY customer_id, effective_from`,
    [customerIds],
  );
  const by = new Map<string, typeof rows>();
  for (const r of rows) by.set(r.customer_id, [...(by.get(r.customer_id) ?? []), r]);
  return (customerId: string, at: string) => {
    const t = Date.parse(at);
    const hit = by.get(customerId)?.find((r) => Date.parse(r.effective_from) <= t && (r.effective_to === null || t < Date.parse(r.effective_to)));
    return hit ? { partner_id: hit.partner_id, self_referral: hit.self_referral } : undefined;
  };
}
