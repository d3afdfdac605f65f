import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../shared/decimal.ts';
import { tieredAmount, tieredProvisional, tieredSettlement, tierReached } from './tiered.ts';

// $3 / $5 / $7 from 0 / 100 / 500 lots a month.
const tiers = [
  { from_lots: '0', rate: '3' },
  { from_lots: '100', rate: '5' },
  { from_lots: '500', rate: '7' },
];
const retroactive = { mode: 'retroactive' as const, tiers };
const marginal = { mode: 'marginal' as const, tiers };

/** Pays slices provisionally in order, then settles; returns what was paid and the settlement. */
function payInSlices(slices: string[], rule: { mode: 'retroactive' | 'marginal'; tiers: typeof tiers }) {
  let before = new Dec(0);
  let paid = new Dec(0);
  for (const lots of slices) {
    paid = paid.plus(tieredProvisional({ lots_before: before.toFixed(), lots, rule }).amount);
    before = before.plus(lots);
  }
  const settlement = tieredSettlement({ period_lots: before.toFixed(), already_paid: paid.toFixed(), rule });
  return { provisional: paid.toFixed(), settlement: settlement.amount, final: settlement.final_amount };
}

describe('tiered per-lot', () => {
  it.each([
    ['620', '4340', '3140'],
    ['0', '0', '0'],
    ['99.99', '299.97', '299.97'],
    ['100', '500', '300'],
    ['100.01', '500.05', '300.05'],
    ['500', '3500', '2300'],
    ['0.1', '0.3', '0.3'],
  ])('%s lots in the month → %s retroactive, %s marginal', (lots, retro, marg) => {
    expect(tieredAmount({ period_lots: lots, rule: retroactive }).amount).toBe(retro);
    expect(tieredAmount({ period_lots: lots, rule: marginal }).amount).toBe(marg);
  });

  it('treats from_lots as inclusive', () => {
    expect(tierReached('99.99', tiers).rate).toBe('3');
    expect(tierReached('100', tiers).rate).toBe('5');
  });

  it('explains the marginal bands', () => {
    expect(tieredAmount({ period_lots: '620', rule: marginal }).explanation.arithmetic).toBe('100 × 3 + 400 × 5 + 120 × 7 = 3140');
    expect(tieredAmount({ period_lots: '620', rule: retroactive }).explanation.arithmetic).toBe('620 × 7 = 4340');
  });

  it.each([
    // 80 × 3 + 40 × 5 + 400 × 7 + 100 × 7 paid as they come; the close lifts the first 120 lots to 7.
    ['retroactive', ['80', '40', '400', '100'], '3940', '400', '4340'],
    ['marginal', ['80', '40', '400', '100'], '3140', '0', '3140'],
    ['retroactive', ['620'], '4340', '0', '4340'],
    ['retroactive', ['99', '1', '399', '1', '120'], '3144', '1196', '4340'],
  ] as const)('%s: slices %j pay %s provisionally and settle %s to reach %s', (mode, slices, provisional, settlement, final) => {
    expect(payInSlices([...slices], { mode, tiers })).toEqual({ provisional, settlement, final });
  });

  it('pays a retroactive slice at the tier reached including it', () => {
    const slice = tieredProvisional({ lots_before: '90', lots: '20', rule: retroactive });
    expect(slice.amount).toBe('100');
    expect(slice.explanation.inputs).toMatchObject({ lots_after: '110', rate: '5' });
  });

  it('splits a marginal slice across the threshold it crosses', () => {
    const slice = tieredProvisional({ lots_before: '90', lots: '20', rule: marginal });
    expect(slice.amount).toBe('80');
    expect(slice.explanation.arithmetic).toBe('10 × 3 + 10 × 5 = 80');
  });

  it('takes back a corrected (negative) marginal slice at the rates it was paid', () => {
    expect(tieredProvisional({ lots_before: '110', lots: '-20', rule: marginal }).amount).toBe('-80');
  });

  it('never re-pays: settling again after the adjustment pays zero', () => {
    const first = tieredSettlement({ period_lots: '620', already_paid: '3940', rule: retroactive });
    expect(first.amount).toBe('400');
    expect(tieredSettlement({ period_lots: '620', already_paid: '4340', rule: retroactive }).amount).toBe('0');
    expect(first.explanation).toMatchObject({ rule: 'tier_adjustment', arithmetic: '4340 − 3940 = 400' });
  });

  const lots = fc.integer({ min: 0, max: 200_000 }).map((n) => new Dec(n).div(100).toFixed());
  const ascendingTiers = fc
    .uniqueArray(fc.integer({ min: 1, max: 100_000 }), { maxLength: 5 })
    .chain((starts) =>
      fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: starts.length + 1, maxLength: starts.length + 1 }).map((rates) => {
        const froms = [0, ...starts.sort((a, b) => a - b)].map((n) => new Dec(n).div(100).toFixed());
        const sorted = rates.sort((a, b) => a - b).map((r) => new Dec(r).div(100).toFixed());
        return froms.map((from_lots, i) => ({ from_lots, rate: sorted[i] }));
      }),
    );

  it('property: with rates rising by tier, retroactive pays at least marginal', () => {
    fc.assert(
      fc.property(ascendingTiers, lots, (t, l) => {
        const r = tieredAmount({ period_lots: l, rule: { mode: 'retroactive', tiers: t } }).amount;
        const m = tieredAmount({ period_lots: l, rule: { mode: 'marginal', tiers: t } }).amount;
        return new Dec(r).gte(m);
      }),
    );
  });

  it('property: provisional slices plus the settlement equal the period amount, in both modes', () => {
    fc.assert(
      fc.property(ascendingTiers, fc.array(lots, { maxLength: 12 }), fc.constantFrom('retroactive' as const, 'marginal' as const), (t, slices, mode) => {
        const rule = { mode, tiers: t };
        const { provisional, settlement, final } = payInSlices(slices, rule);
        const total = slices.reduce((s, x) => s.plus(x), new Dec(0)).toFixed();
        return new Dec(provisional).plus(settlement).eq(final) && final === tieredAmount({ period_lots: total, rule }).amount;
      }),
    );
  });

  it('property: marginal slices are already final and retroactive settlements never take back', () => {
    fc.assert(
      fc.property(ascendingTiers, fc.array(lots, { maxLength: 12 }), (t, slices) => {
        return payInSlices(slices, { mode: 'marginal', tiers: t }).settlement === '0' && new Dec(payInSlices(slices, { mode: 'retroactive', tiers: t }).settlement).gte(0);
      }),
    );
  });
});
