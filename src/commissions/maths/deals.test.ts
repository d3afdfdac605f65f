import { describe, expect, it } from 'vitest';
import { countDealLots, type Deal } from './deals.ts';

let id = 0;
const deal = (side: 'buy' | 'sell', lots: string, open: string, close: string, symbol = 'EURUSD'): Deal => ({
  deal_id: `d${++id}`,
  symbol,
  side,
  lots,
  open_time: `2026-03-02T${open}Z`,
  close_time: `2026-03-02T${close}Z`,
});
const counted = (deals: Deal[], min_hold_seconds = 0, hedge_netting = true) =>
  countDealLots(deals, { min_hold_seconds, hedge_netting }).map((d) => d.counted_lots);

describe('deal-level lots: hedging and hold time', () => {
  it.each<[string, Deal[], string[]]>([
    // Geratsu: buy 1.5 then sells 0.4 + 0.6 → pay on 1.5 only.
    ['sells inside a larger buy count once', [deal('buy', '1.5', '10:00:00', '12:00:00'), deal('sell', '0.4', '10:10:00', '11:00:00'), deal('sell', '0.6', '10:20:00', '11:30:00')], ['1.5', '0', '0']],
    // Geratsu: buy 1.5 then sells 1.0 + 0.8 → pay on 1.5 + 0.3 = 1.8.
    ['sells beyond the buy count the excess', [deal('buy', '1.5', '10:00:00', '12:00:00'), deal('sell', '1.0', '10:10:00', '11:00:00'), deal('sell', '0.8', '10:20:00', '11:30:00')], ['1.5', '0', '0.3']],
    ['opposite positions that do not overlap both count', [deal('buy', '1', '10:00:00', '10:30:00'), deal('sell', '1', '10:30:00', '11:00:00')], ['1', '1']],
    ['same side never nets', [deal('buy', '1', '10:00:00', '11:00:00'), deal('buy', '1', '10:10:00', '10:50:00')], ['1', '1']],
    ['other instruments never net', [deal('buy', '1', '10:00:00', '11:00:00'), deal('sell', '1', '10:10:00', '10:50:00', 'GBPUSD')], ['1', '1']],
    ['broker suffixes are the same instrument', [deal('buy', '1', '10:00:00', '11:00:00', 'EURUSD.pro'), deal('sell', '1', '10:10:00', '10:50:00', 'EURUSDm')], ['1', '0']],
    ['a lot offsets at most one opposite lot', [deal('buy', '1', '10:00:00', '12:00:00'), deal('sell', '1', '10:10:00', '11:50:00'), deal('buy', '1', '10:20:00', '11:40:00')], ['1', '0', '1']],
  ])('%s', (_name, deals, expected) => {
    expect(counted(deals)).toEqual(expected);
  });

  it('counts every lot when hedge netting is off', () => {
    expect(counted([deal('buy', '1', '10:00:00', '11:00:00'), deal('sell', '1', '10:10:00', '10:50:00')], 0, false)).toEqual(['1', '1']);
  });

  it.each<[string, Deal[], string[]]>([
    ['a 2-minute scalp under a 3-minute minimum earns nothing', [deal('buy', '1', '10:00:00', '10:02:00')], ['0']],
    ['exactly the minimum counts', [deal('buy', '1', '10:00:00', '10:03:00')], ['1']],
    ['a scalp does not cancel the position it overlaps', [deal('sell', '1', '10:00:00', '10:01:00'), deal('buy', '1', '10:00:30', '11:00:00')], ['0', '1']],
  ])('%s', (_name, deals, expected) => {
    expect(counted(deals, 180)).toEqual(expected);
  });

  it('explains a hedge and a scalp', () => {
    const [buy, sell, scalp] = countDealLots(
      [deal('buy', '1.5', '10:00:00', '12:00:00'), deal('sell', '1.0', '10:10:00', '11:00:00'), deal('buy', '2', '13:00:00', '13:00:30')],
      { min_hold_seconds: 180, hedge_netting: true },
    );
    expect(buy).toMatchObject({ counted_lots: '1.5', hedged_lots: '0' });
    expect(sell).toMatchObject({ counted_lots: '0', hedged_lots: '1', hedged_against: [buy.deal_id], explanation: { arithmetic: '1.0 − 1 = 0' } });
    expect(scalp).toMatchObject({ counted_lots: '0', excluded: 'min_hold', explanation: { arithmetic: '30s < 180s → 0' } });
  });
});
