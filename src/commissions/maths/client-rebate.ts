import { Dec } from '../../shared/decimal.ts';
import type { ClientRebateSetting, PartnerTerms } from '../partner-terms.ts';
import type { Plan } from '../plan-schema.ts';
import { type Earning, explain } from './explanation.ts';

/** The rebate a partner gives its clients: its own setting, else the plan's default; none if the plan forbids it. */
export function clientRebateSettingFor(plan: Pick<Plan, 'client_rebate'>, terms?: PartnerTerms): ClientRebateSetting | undefined {
  const policy = plan.client_rebate;
  if (!policy?.allowed) return undefined;
  if (terms?.client_rebate) return terms.client_rebate;
  if (policy.per_lot !== undefined) return { per_lot: policy.per_lot };
  if (policy.percent !== undefined) return { percent: policy.percent };
  return undefined;
}

/**
 * Takes the client's rebate off the partner's per-lot earning. The rebate never exceeds what the
 * partner earned, so a partner does not pay a client out of pocket. `partner_net` is what the
 * partner keeps, and the base for any percent override computed from it.
 */
export function applyClientRebate(input: { lots: string; partner_earning: string; setting?: ClientRebateSetting }): {
  rebate: Earning;
  partner_net: string;
} {
  const { lots, partner_earning, setting } = input;
  const earning = new Dec(partner_earning);
  if (!setting || (setting.per_lot === undefined && setting.percent === undefined)) {
    const rebate = { amount: '0', explanation: explain({ rule: 'client_rebate', inputs: { lots, partner_earning }, formula: 'no client rebate', arithmetic: '0', result: '0' }) };
    return { rebate, partner_net: earning.toFixed() };
  }
  const wanted = setting.per_lot !== undefined ? new Dec(lots).times(setting.per_lot) : earning.times(setting.percent ?? 0).div(100);
  // Cap by magnitude so a correction with negative lots mirrors the original rebate.
  const capped = earning.gte(0) ? Dec.min(wanted, earning) : Dec.max(wanted, earning);
  const amount = capped.toFixed();
  const formula = setting.per_lot !== undefined ? 'lots × rebate per lot, at most the partner\'s earning' : 'partner earning × rebate percent ÷ 100';
  const arithmetic =
    setting.per_lot !== undefined
      ? `min(${lots} × ${setting.per_lot}, ${partner_earning}) = ${amount}`
      : `${partner_earning} × ${setting.percent} ÷ 100 = ${amount}`;
  const notes = capped.eq(wanted) ? undefined : [`capped at the partner's earning ${partner_earning}`];
  return {
    rebate: {
      amount,
      explanation: explain({
        rule: 'client_rebate',
        inputs: { lots, partner_earning, ...(setting.per_lot !== undefined ? { per_lot: setting.per_lot } : { percent: setting.percent ?? '0' }) },
        formula,
        arithmetic,
        result: amount,
        notes,
      }),
    },
    partner_net: earning.minus(capped).toFixed(),
  };
}
