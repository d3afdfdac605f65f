import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../shared/decimal.ts';
import { applyClientRebate, clientRebateSettingFor } from './client-rebate.ts';
import { differentialEarnings } from './differential.ts';
import { sumAmounts } from './explanation.ts';
import { overrideEarnings } from './override.ts';
import { splitPool } from './split.ts';

const amounts = (earnings: { level: number; partner_id: string; amount: string }[]) => earnings.map(({ level, partner_id, amount }) => ({ level, partner_id, amount }));

describe('differential', () => {
  it('pays $5 / $3 / $5 on 10 lots with rates 0.5 / 0.8 / 1.3 (owner keeps its own $5 per_lot)', () => {
    const owner = new Dec('10').times('0.5').toFixed();
    const above = differentialEarnings({ lots: '10', owner_rate: '0.5', ancestors: [{ partner_id: 'sub', rate: '0.8' }, { partner_id: 'master', rate: '1.3' }] });
    expect([owner, ...above.map((e) => e.amount)]).toEqual(['5', '3', '5']);
    expect(above[0].explanation.arithmetic).toBe('10 × max(0.8 − 0.5, 0) = 10 × 0.3 = 3');
  });

  it.each([
    ['a deeper partner with a higher rate leaves the ancestor 0, and the bar stays high', '10', '1', ['0.8', '1.3'], ['0', '3']],
    ['equal rates earn nothing', '10', '1', ['1', '1'], ['0', '0']],
    ['a partner without a rate for the symbol', '10', '0', ['0', '0.7'], ['0', '7']],
    ['fractional lots', '0.1', '0.5', ['0.75'], ['0.025']],
  ])('%s', (_name, lots, ownerRate, rates, expected) => {
    const earnings = differentialEarnings({ lots, owner_rate: ownerRate, ancestors: rates.map((rate, i) => ({ partner_id: `p${i + 1}`, rate })) });
    expect(earnings.map((e) => e.amount)).toEqual(expected);
  });

  const rate = fc.integer({ min: 0, max: 2_000 }).map((n) => new Dec(n).div(100).toFixed());
  const lots = fc.integer({ min: 0, max: 100_000 }).map((n) => new Dec(n).div(100).toFixed());

  it('property: never negative, and the chain never pays more than the highest rate × lots', () => {
    fc.assert(
      fc.property(lots, rate, fc.array(rate, { maxLength: 8 }), (l, ownerRate, rates) => {
        const earnings = differentialEarnings({ lots: l, owner_rate: ownerRate, ancestors: rates.map((r, i) => ({ partner_id: `p${i}`, rate: r })) });
        const total = new Dec(l).times(ownerRate).plus(sumAmounts(earnings.map((e) => e.amount)));
        const highest = Dec.max(ownerRate, ...rates);
        return earnings.every((e) => new Dec(e.amount).gte(0)) && total.eq(highest.times(l));
      }),
    );
  });

  it('property: with rates ascending up the chain, the chain total is the top rate × lots', () => {
    fc.assert(
      fc.property(lots, fc.array(rate, { minLength: 1, maxLength: 8 }), (l, rates) => {
        const chain = [...rates].sort((a, b) => new Dec(a).cmp(b));
        const earnings = differentialEarnings({ lots: l, owner_rate: chain[0], ancestors: chain.slice(1).map((r, i) => ({ partner_id: `p${i}`, rate: r })) });
        return new Dec(l).times(chain[0]).plus(sumAmounts(earnings.map((e) => e.amount))).eq(new Dec(chain.at(-1) as string).times(l));
      }),
    );
  });
});

describe('override', () => {
  const levels = [
    { level: 1, per_lot: '1.50' },
    { level: 2, percent_of_child: '10' },
  ];

  it.each([
    ['per_lot then percent_of_child', '10', '60', ['sub', 'master'], [{ level: 1, partner_id: 'sub', amount: '15' }, { level: 2, partner_id: 'master', amount: '1.5' }]],
    ['a chain shorter than the levels', '10', '60', ['sub'], [{ level: 1, partner_id: 'sub', amount: '15' }]],
    ['no ancestors', '10', '60', [], []],
    ['a level above the configured ones earns nothing', '2', '12', ['a', 'b', 'c'], [{ level: 1, partner_id: 'a', amount: '3' }, { level: 2, partner_id: 'b', amount: '0.3' }]],
  ])('%s', (_name, lots, owner, ancestors, expected) => {
    expect(amounts(overrideEarnings({ lots, owner_earning: owner, levels, ancestors }))).toEqual(expected);
  });

  it('takes percent_of_child at level 1 from the owner\'s earning', () => {
    const earnings = overrideEarnings({ lots: '10', owner_earning: '60', levels: [{ level: 1, percent_of_child: '25' }], ancestors: ['master'] });
    expect(earnings[0]).toMatchObject({ amount: '15', explanation: { arithmetic: '60 × 25 ÷ 100 = 15', formula: 'what level 0 earned × percent ÷ 100' } });
  });

  it('computes percent overrides from what the owner keeps after the client rebate', () => {
    // Owner earns $6/lot on 10 lots = 60 and gives $1/lot back: it keeps 50, so a 10% override is 5, not 6.
    const { rebate, partner_net } = applyClientRebate({ lots: '10', partner_earning: '60', setting: { per_lot: '1' } });
    expect([rebate.amount, partner_net]).toEqual(['10', '50']);
    const [master] = overrideEarnings({ lots: '10', owner_earning: partner_net, levels: [{ level: 1, percent_of_child: '10' }], ancestors: ['master'] });
    expect(master.amount).toBe('5');
  });
});

describe('split', () => {
  it.each([
    ['70 / 30 of a $10 pool', '10', ['owner', 'master'], undefined, [{ level: 0, partner_id: 'owner', amount: '7' }, { level: 1, partner_id: 'master', amount: '3' }]],
    ['a missing master: the broker keeps its share', '10', ['owner'], undefined, [{ level: 0, partner_id: 'owner', amount: '7' }]],
    ['a missing master: the share moves to the top partner', '10', ['owner'], 'top_partner' as const, [{ level: 0, partner_id: 'owner', amount: '10' }]],
    ['exact thirds of a cent', '0.01', ['owner', 'master'], undefined, [{ level: 0, partner_id: 'owner', amount: '0.007' }, { level: 1, partner_id: 'master', amount: '0.003' }]],
  ])('%s', (_name, pool, chain, unclaimed, expected) => {
    const levels = [{ level: 0, percent: '70' }, { level: 1, percent: '30' }];
    expect(amounts(splitPool({ pool, levels, chain, unclaimed }))).toEqual(expected);
  });

  it('moves a missing level\'s share to a top partner that has no level of its own', () => {
    const levels = [{ level: 0, percent: '60' }, { level: 2, percent: '40' }];
    const earnings = splitPool({ pool: '100', levels, chain: ['owner', 'sub'], unclaimed: 'top_partner' });
    expect(amounts(earnings)).toEqual([{ level: 0, partner_id: 'owner', amount: '60' }, { level: 1, partner_id: 'sub', amount: '40' }]);
    expect(earnings[1].explanation.notes).toEqual(['includes 40% of level(s) 2, which have no partner in this chain']);
  });
});

describe('client rebate', () => {
  it.each([
    ['per lot', { per_lot: '1' }, '10', '60', '10', '50'],
    ['percent', { percent: '25' }, '10', '60', '15', '45'],
    ['per lot capped at the earning', { per_lot: '7' }, '10', '60', '60', '0'],
    ['nothing set', undefined, '10', '60', '0', '60'],
    ['a reversal mirrors the rebate', { per_lot: '1' }, '-10', '-60', '-10', '-50'],
  ])('%s', (_name, setting, lots, earning, rebate, net) => {
    const out = applyClientRebate({ lots, partner_earning: earning, setting });
    expect([out.rebate.amount, out.partner_net]).toEqual([rebate, net]);
  });

  it.each([
    ['the partner\'s own setting', { allowed: true, per_lot: '1' }, { client_rebate: { percent: '20' } }, { percent: '20' }],
    ['the plan default', { allowed: true, per_lot: '1' }, undefined, { per_lot: '1' }],
    ['nothing when the plan forbids rebates', { allowed: false }, { client_rebate: { percent: '20' } }, undefined],
    ['nothing when neither sets one', { allowed: true }, undefined, undefined],
  ])('uses %s', (_name, policy, terms, expected) => {
    expect(clientRebateSettingFor({ client_rebate: policy }, terms)).toEqual(expected);
  });
});
