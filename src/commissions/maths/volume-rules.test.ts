import { describe, expect, it } from 'vitest';
import { notionalUsd, perNotionalCommission } from './per-notional.ts';
import { spreadShareCommission } from './spread-share.ts';

describe('per-notional commission', () => {
  it.each([
    // Deriv MT5 financial: 1 lot EURUSD at 1.10 = 110,000 USD at $10 per $100k → $11 per side.
    ['110000', '100000', '10', '11'],
    // Deriv swap-free: Jump 25, 5,000 USD at $10 per $100k → $0.50 per side.
    ['5000', '100000', '10', '0.5'],
    // cTrader USD per million: $50 per $1m on $250,000.
    ['250000', '1000000', '50', '12.5'],
  ])('%s USD at %s per %s → %s', (volume_usd, per_usd, rate, amount) => {
    const earning = perNotionalCommission({ volume_usd, rule: { per_usd, rate } });
    expect(earning.amount).toBe(amount);
    expect(earning.explanation.arithmetic).toBe(`${volume_usd} × ${rate} ÷ ${per_usd} = ${amount}`);
  });

  it('derives notional from deal facts: 1 lot × 100,000 × 1.10 × 1', () => {
    expect(notionalUsd({ lots: '1', contract_size: '100000', price: '1.10', quote_to_usd: '1' }).amount).toBe('110000');
  });
});

describe('spread-share commission', () => {
  it.each([
    // FBS grade 1: 5 lots GBPUSD, spread $13.6 per lot → spread cost 68 × 30% = 20.4.
    ['68', '30', '20.4'],
    // XNCE gold: (4581.39 − 4581.23) × 100 oz × 1 lot = 16 × 50% = 8.
    ['16', '50', '8'],
    ['0.07', '33.3', '0.02331'],
  ])('%s spread cost × %s%% → %s', (spread_cost, percent, amount) => {
    expect(spreadShareCommission({ spread_cost, rule: { percent } }).amount).toBe(amount);
  });
});
