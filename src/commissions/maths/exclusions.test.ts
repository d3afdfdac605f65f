import { describe, expect, it } from 'vitest';
import { eligibility, exclusionsOf, isSelfTrading, type KycStatus } from './exclusions.ts';

const plan = { exclusions: { self_trading: true, require_kyc_approved: true, min_hold_seconds: 180, instruments: ['US30', 'BTC*'] } };

describe('exclusions', () => {
  it.each<[string, { symbol?: string; self_trading: boolean; kyc: KycStatus }, string, string?]>([
    ['an ordinary approved customer', { symbol: 'EURUSD', self_trading: false, kyc: 'approved' }, 'eligible'],
    ['self-trading', { symbol: 'EURUSD', self_trading: true, kyc: 'approved' }, 'excluded', 'self_trading'],
    ['an excluded instrument', { symbol: 'US30', self_trading: false, kyc: 'approved' }, 'excluded', 'instrument_excluded'],
    ['an excluded instrument with a suffix', { symbol: 'US30.cash', self_trading: false, kyc: 'approved' }, 'excluded', 'instrument_excluded'],
    ['an excluded pattern', { symbol: 'BTCUSD', self_trading: false, kyc: 'approved' }, 'excluded', 'instrument_excluded'],
    ['KYC pending', { symbol: 'EURUSD', self_trading: false, kyc: 'pending' }, 'pending', 'kyc_not_approved'],
    ['KYC never started', { self_trading: false, kyc: 'none' }, 'pending', 'kyc_not_approved'],
    ['KYC rejected', { symbol: 'EURUSD', self_trading: false, kyc: 'rejected' }, 'excluded', 'kyc_rejected'],
  ])('%s', (_name, fact, status, reason) => {
    const result = eligibility({ plan, ...fact });
    expect(result.status).toBe(status);
    if (reason) expect(result).toMatchObject({ reason });
  });

  it('fills the documented defaults', () => {
    expect(exclusionsOf({})).toEqual({ self_trading: true, require_kyc_approved: false, min_hold_seconds: 0, hedge_netting: true, instruments: [], account_types: [] });
    expect(eligibility({ plan: {}, symbol: 'US30', self_trading: false, kyc: 'none' })).toEqual({ status: 'eligible' });
  });

  it('excludes account types the plan lists, exactly or by glob, ignoring case', () => {
    const plan = { exclusions: { account_types: ['demo*', 'CONTEST'] } };
    for (const [type, excluded] of [['demo\\forex-usd', true], ['DEMO', true], ['contest', true], ['real\\ecn', false], [null, false]] as const)
      expect(eligibility({ plan, symbol: 'EURUSD', self_trading: false, kyc: 'none', account_type: type }).status, String(type)).toBe(excluded ? 'excluded' : 'eligible');
  });

  it('recognises a partner trading through its own or a linked customer', () => {
    const partner = { own_customer_ids: ['C-1', 'C-2'] };
    expect([isSelfTrading('C-2', partner), isSelfTrading('C-3', partner), isSelfTrading('C-1', {})]).toEqual([true, false, false]);
  });
});
