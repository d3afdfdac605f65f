import { describe, expect, it } from 'vitest';
import { netRevenue, revenueSharePeriod } from './revenue-share.ts';

const rule = (negative_carryover: boolean) => ({ percent: '30', negative_carryover });

/** Runs consecutive periods, handing each one's carry to the next. */
function run(netRevenues: string[], negative_carryover: boolean): string[] {
  let carried = '0';
  return netRevenues.map((net_revenue) => {
    const period = revenueSharePeriod({ net_revenue, carried_in: carried, rule: rule(negative_carryover) });
    carried = period.carried_out;
    return period.amount;
  });
}

describe('revenue share', () => {
  it.each([
    ['carry-over', true, ['-10000', '15000'], ['0', '1500']],
    ['reset', false, ['-10000', '15000'], ['0', '4500']],
    ['carry-over across two bad months', true, ['-3000', '-2000', '4000', '2000'], ['0', '0', '0', '300']],
    ['reset across two bad months', false, ['-3000', '-2000', '4000', '2000'], ['0', '0', '1200', '600']],
    ['exact small shares', true, ['0.1', '0.2'], ['0.03', '0.06']],
  ])('30%% with %s: %j → %j', (_name, carry, nets, paid) => {
    expect(run(nets, carry)).toEqual(paid);
  });

  // Deriv's affiliate revenue share by monthly net revenue: up to 10,000 20 %; from 10,001 25 %; from 50,001 30 %; from 100,001 35 %.
  const deriv = { percent: '20', negative_carryover: true, tiers: [{ from_net_revenue: '10001', percent: '25' }, { from_net_revenue: '50001', percent: '30' }, { from_net_revenue: '100001', percent: '35' }] };
  it.each([
    ['5000', '1000', '20'],
    ['10000', '2000', '20'],
    ['10001', '2500.25', '25'],
    ['50000', '12500', '25'],
    ['80000', '24000', '30'],
    ['100001', '35000.35', '35'],
    ['250000', '87500', '35'],
    ['-500', '0', '20'],
  ])('tiers by the month: net revenue %s pays %s (%s %% of the whole base)', (net, paid, pct) => {
    const period = revenueSharePeriod({ net_revenue: net, rule: deriv });
    expect(period.amount).toBe(paid);
    expect(period.explanation.inputs.percent).toBe(pct);
  });

  it('picks the tier after the carried deficit is set off', () => {
    // 60,000 earned, 20,000 carried from a bad month: the base is 40,000, in the 25 % tier.
    const period = revenueSharePeriod({ net_revenue: '60000', carried_in: '-20000', rule: deriv });
    expect(period.amount).toBe('10000');
    expect(period.explanation.arithmetic).toBe('base 60000 + (-20000) = 40000; 40000 × 25 ÷ 100 = 10000; 10000 − 0 = 10000');
  });

  it('explains the carried deficit', () => {
    const april = revenueSharePeriod({ net_revenue: '15000', carried_in: '-10000', rule: rule(true) });
    expect(april.explanation.arithmetic).toBe('base 15000 + (-10000) = 5000; 5000 × 30 ÷ 100 = 1500; 1500 − 0 = 1500');
    const march = revenueSharePeriod({ net_revenue: '-10000', rule: rule(true) });
    expect(march).toMatchObject({ amount: '0', carried_out: '-10000' });
    expect(march.explanation.notes).toEqual(['negative base: nothing is paid and -10000 is carried into the next period']);
  });

  it('pays only what is left after provisional payments, so settling twice pays nothing more', () => {
    const settled = revenueSharePeriod({ net_revenue: '15000', carried_in: '-10000', already_paid: '1200', rule: rule(true) });
    expect(settled).toMatchObject({ amount: '300', period_total: '1500' });
    expect(revenueSharePeriod({ net_revenue: '15000', carried_in: '-10000', already_paid: '1500', rule: rule(true) }).amount).toBe('0');
  });

  it('refuses a positive carry, which only a bug could produce', () => {
    expect(() => revenueSharePeriod({ net_revenue: '1', carried_in: '5', rule: rule(true) })).toThrow(RangeError);
  });

  it.each([
    ['all components', undefined, '1000 + 70 − (-200) − 50 = 1220', '1220'],
    ['spread only', ['spread_cost'] as const, '1000 = 1000', '1000'],
    ['no bonuses', ['spread_cost', 'commission', 'client_pnl'] as const, '1000 + 70 − (-200) = 1270', '1270'],
    ['pnl first', ['client_pnl', 'spread_cost'] as const, '− (-200) + 1000 = 1200', '1200'],
  ])('net revenue with %s', (_name, components, arithmetic, amount) => {
    const facts = { spread_cost: '1000', commission: '70', client_pnl: '-200', bonuses: '50' };
    const net = netRevenue(facts, components);
    expect(net.amount).toBe(amount);
    expect(net.explanation.arithmetic).toBe(arithmetic);
  });
});
