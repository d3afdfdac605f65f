import type { Exclusions, Plan } from '../plan-schema.ts';
import { symbolListed, symbolMatches } from '../symbols.ts';

/** The plan's exclusions with the documented defaults filled in. */
export function exclusionsOf(plan: Pick<Plan, 'exclusions'>): Required<Exclusions> {
  const e = plan.exclusions ?? {};
  return {
    self_trading: e.self_trading ?? true,
    require_kyc_approved: e.require_kyc_approved ?? false,
    min_hold_seconds: e.min_hold_seconds ?? 0,
    hedge_netting: e.hedge_netting ?? true,
    instruments: e.instruments ?? [],
    account_types: e.account_types ?? [],
  };
}

/** A partner trading through its own customer record, or one the broker has linked to it (family, same person). */
export function isSelfTrading(customerId: string, partner: { own_customer_ids?: readonly string[] }): boolean {
  return partner.own_customer_ids?.includes(customerId) ?? false;
}

export type KycStatus = 'approved' | 'pending' | 'rejected' | 'none';

/**
 * Whether a fact earns commission for one partner:
 * - `excluded`: nothing is earned (and anything earned before is reversed by recomputation);
 * - `pending`: earned, but held pending until KYC is approved;
 * - `eligible`: earned normally.
 */
export type Eligibility =
  | { status: 'eligible' }
  | { status: 'pending'; reason: 'kyc_not_approved'; note: string }
  | { status: 'excluded'; reason: 'self_trading' | 'instrument_excluded' | 'account_type_excluded' | 'kyc_rejected'; note: string };

/** Whether an account type matches any of the patterns: exact or glob, ignoring case. */
export function accountTypeListed(accountType: string, patterns: readonly string[]): boolean {
  const t = accountType.trim().toUpperCase();
  return patterns.some((p) => symbolMatches(t, p.trim().toUpperCase()));
}

export function eligibility(input: {
  plan: Pick<Plan, 'exclusions' | 'symbol_normalisation'>;
  symbol?: string;
  self_trading: boolean;
  kyc: KycStatus;
  account_type?: string | null;
}): Eligibility {
  const rules = exclusionsOf(input.plan);
  if (rules.self_trading && input.self_trading)
    return { status: 'excluded', reason: 'self_trading', note: 'the customer is the partner or linked to it; the partner earns nothing on its own trading' };
  if (input.symbol !== undefined && symbolListed(input.symbol, rules.instruments, input.plan.symbol_normalisation))
    return { status: 'excluded', reason: 'instrument_excluded', note: `${input.symbol} is on the plan's excluded instruments` };
  if (input.account_type && accountTypeListed(input.account_type, rules.account_types))
    return { status: 'excluded', reason: 'account_type_excluded', note: `account type ${input.account_type} is on the plan's excluded account types` };
  if (rules.require_kyc_approved && input.kyc === 'rejected')
    return { status: 'excluded', reason: 'kyc_rejected', note: 'KYC was rejected; commissions on this customer are reversed' };
  if (rules.require_kyc_approved && input.kyc !== 'approved')
    return { status: 'pending', reason: 'kyc_not_approved', note: 'held pending until the customer\'s KYC is approved' };
  return { status: 'eligible' };
}
