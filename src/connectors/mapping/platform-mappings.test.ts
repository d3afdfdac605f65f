import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateBatch } from '../../ingest/batch.ts';
import { ENTITIES, type EntityName } from '../entities.ts';
import { mapEvent } from './apply.ts';
import { type Mapping, mappingIssues } from './schema.ts';

/* The ready mappings for cTrader and DXtrade relays: sample payloads become records the data API accepts. */

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../../config/mappings/${name}.json`, import.meta.url), 'utf8')) as Mapping;

function mapped(mapping: Mapping, payload: unknown) {
  const out = mapEvent(mapping, payload);
  if (out.status !== 'mapped') throw new Error(`not mapped: ${out.status}`);
  expect(out.issues).toEqual([]);
  const def = ENTITIES[out.entity as EntityName];
  // The same validation the data API runs: throws a 422 listing every problem.
  validateBatch(def.specs, out.records, def.keyOf, def.keyName, def.check);
  return { entity: out.entity, record: out.records[0] };
}

describe('ctrader-reports mapping', () => {
  const m = load('ctrader-reports');
  const base = { server: 'live', login: 3100421, currency: 'usd' };
  it('is a valid document', () => expect(mappingIssues(m)).toEqual([]));

  it('maps a trader, a closing deal (position side from the closing trade side, money from minor units) and balance changes', () => {
    expect(mapped(m, { id: 'e1', type: 'trader.created', ...base, trader: { login: 3100421, registrationTimestamp: 1772373900000, partnerId: 'IB-7', accountType: 'HEDGED' } })).toEqual({
      entity: 'customer',
      record: { customer_id: 'ctrader-live-3100421', signup_date: '2026-03-01T14:05:00.000Z', affiliate_id: 'IB-7', trading_account_type: 'HEDGED' },
    });
    const deal = mapped(m, {
      id: 'e2',
      type: 'deal.closed',
      ...base,
      deal: {
        dealId: 88001,
        symbolName: 'EURUSD',
        tradeSide: 'SELL',
        executionTimestamp: 1772460300000,
        executionPrice: 1.08432,
        closePositionDetail: { entryPrice: 1.08301, grossProfit: 13100, swap: -45, commission: -700, closedVolume: 10000000, moneyDigits: 2 },
      },
    });
    expect(deal).toEqual({
      entity: 'deal',
      record: {
        deal_id: 'ctrader-live-88001',
        customer_id: 'ctrader-live-3100421',
        platform: 'ctrader',
        server: 'live',
        login: '3100421',
        symbol: 'EURUSD',
        side: 'buy',
        lots: '1',
        close_time: '2026-03-02T14:05:00.000Z',
        open_price: 1.08301,
        close_price: 1.08432,
        profit: '131',
        swap: '-0.45',
        commission: '-7',
        currency: 'USD',
      },
    });
    const wd = mapped(m, { id: 'e3', type: 'balance.withdrawal', ...base, balance: { balanceHistoryId: 501, delta: -25050, changeBalanceTimestamp: 1772460300000 } });
    expect(wd.record).toMatchObject({ transaction_id: 'ctrader-live-bal-501', transaction_type: 'withdrawal', amount: '250.5', status: 'approved' });
  });
});

describe('dxtrade-events mapping', () => {
  const m = load('dxtrade-events');
  const account = { clearingCode: 'default', accountCode: 'A1002', currency: 'eur', registrationTime: '2026-03-01T16:05:00+02:00', introducingBroker: 'IB-9', country: 'de' };
  it('is a valid document', () => expect(mappingIssues(m)).toEqual([]));

  it('maps an opened account, a closed position and a cash transfer', () => {
    expect(mapped(m, { eventId: 'x1', event: 'AccountOpened', account }).record).toEqual({
      customer_id: 'dxtrade-default-A1002',
      signup_date: '2026-03-01T14:05:00.000Z',
      affiliate_id: 'IB-9',
      country_code: 'DE',
    });
    const deal = mapped(m, {
      eventId: 'x2',
      event: 'PositionClosed',
      account,
      position: { positionCode: 'P-77', symbol: 'XAUUSD', side: 'SHORT', quantityLots: '0.50', openTime: '2026-03-02T09:00:00Z', closeTime: '2026-03-02T09:30:00Z', openPrice: '2301.5', closePrice: '2299.0', realizedPnl: '125.00', commission: '-3.00', financing: '0' },
    });
    expect(deal.record).toMatchObject({ deal_id: 'dxtrade-default-P-77', platform: 'dxtrade', login: 'A1002', side: 'sell', lots: '0.50', currency: 'EUR' });
    const transfer = mapped(m, { eventId: 'x3', event: 'CashTransfer', account, transfer: { transferId: 'T9', type: 'DEPOSIT', amount: '500', currency: 'eur', time: '2026-03-02T10:00:00Z', status: 'COMPLETED', method: 'card' } });
    expect(transfer.record).toMatchObject({ transaction_id: 'dxtrade-default-T9', transaction_type: 'deposit', amount: '500', status: 'approved' });
  });
});
