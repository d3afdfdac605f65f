import { describe, expect, it } from 'vitest';
import { Dec } from '../../shared/decimal.ts';
import { dealNotionalUsd, mapMt4Trade, mapMt5Deal } from './deals.ts';

describe('deal notional in USD', () => {
  it.each([
    ['EURUSD', '2', '100000', '1.085', '217000'],
    ['EURUSD.pro', '0.5', '100000', '1.1', '55000'],
    ['XAUUSD', '1.5', '100', '2300.5', '345075'],
    ['USDJPY', '3', '100000', '151.2', '300000'],
    ['EURGBP', '1', '100000', '0.85', undefined],
    ['US30', '1', '1', '39000', undefined],
    ['EURUSD', '1', '0', '1.1', undefined],
  ])('%s, %s lots × %s at %s → %s', (symbol, lots, size, price, expected) => {
    expect(dealNotionalUsd(symbol, new Dec(lots), new Dec(size), new Dec(price))).toBe(expected);
  });
});

const UTC = 'UTC';
describe('platform rows', () => {
  it('gives an MT5 closing deal its notional from ContractSize and Price', () => {
    const mapped = mapMt5Deal({ Deal: 7, Login: 1001, Action: 1, Entry: 1, Symbol: 'EURUSD', Volume: 20000, VolumeClosed: 20000, ContractSize: 100000, Price: 1.085, Time: '2026-03-02 10:00:00' }, 'mt5-', UTC);
    expect(mapped).toMatchObject({ kind: 'deal', record: { lots: '2', volume_usd: '217000' } });
  });

  it('assumes 100,000 per lot for MT4 currency pairs only, never for metals', () => {
    const row = (SYMBOL: string) => ({ TICKET: 1, LOGIN: 5, CMD: 0, SYMBOL, VOLUME: 150, OPEN_TIME: '2026-03-02 09:00:00', CLOSE_TIME: '2026-03-02 10:00:00', OPEN_PRICE: 1.08, CLOSE_PRICE: 1.1 });
    expect(mapMt4Trade(row('EURUSD'), 'mt4-', UTC)).toMatchObject({ record: { lots: '1.5', volume_usd: '165000' } });
    expect(mapMt4Trade(row('USDJPY'), 'mt4-', UTC)).toMatchObject({ record: { volume_usd: '150000' } });
    for (const symbol of ['XAUUSD', 'BTCUSD', 'XTIUSD', 'EURUSDm', 'EURUSD.mini', 'US30'])
      expect((mapMt4Trade(row(symbol), 'mt4-', UTC) as { record: Record<string, unknown> }).record.volume_usd, symbol).toBeUndefined();
  });

  it('keeps client deposits and withdrawals, and leaves partner payouts out of them', () => {
    const op = (PROFIT: number, COMMENT: string) => mapMt4Trade({ TICKET: 9, LOGIN: 5, CMD: 6, PROFIT, COMMENT, OPEN_TIME: '2026-03-02 09:00:00' }, 'mt4-', UTC);
    expect(op(1000, 'Deposit')).toMatchObject({ kind: 'transaction', record: { transaction_type: 'deposit', amount: '1000' } });
    expect(op(-250, 'Withdrawal #77')).toMatchObject({ kind: 'transaction', record: { transaction_type: 'withdrawal', amount: '250' } });
    for (const comment of ['IB commission March', 'agent payment', 'Rebate 2026-03', 'Partner payout', 'Affiliate commissions']) expect(op(120, comment).kind, comment).toBe('skip');
    // Client money that only mentions an agent, internet banking or a fee stays.
    for (const [amount, comment] of [[500, 'Deposit via payment agent'], [300, 'IB transfer'], [-200, 'Withdrawal commission 2%'], [-50, 'IB commission reversal']] as const)
      expect(op(amount, comment).kind, comment).toBe('transaction');
    const mt5 = mapMt5Deal({ Deal: 8, Login: 1001, Action: 2, Profit: 300, Comment: 'IB commission', Time: '2026-03-02 10:00:00' }, 'mt5-', UTC);
    expect(mt5.kind).toBe('skip');
  });
});
