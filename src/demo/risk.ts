import { computeCommissions, type EngineSettings } from '../commissions/engine/run.ts';
import type { Sql } from '../db/index.ts';
import { upsertCustomers } from '../ingest/customers.ts';
import { upsertDeals } from '../ingest/deals.ts';
import { scan } from '../risk/cases.ts';
import type { DemoCalendar } from './calendar.ts';

/**
 * Two fraud cases for the risk page: clients of two sub-IBs of one network who open opposite
 * EURUSD positions seconds apart (hedging), and two "different" clients registered from one
 * device with one payment card (linked accounts). Loaded after the demo's payout runs (the cases
 * are recent); the scan opens the cases, then the hedgers' days are computed, so their pay shows as
 * held pending risk_review.
 */
export async function seedRiskDemo(tx: Sql, cal: DemoCalendar, now: string, settings: EngineSettings): Promise<void> {
  const timeZone = settings.brokerTimeZone;
  const recent = cal.day(cal.days - 4);
  await upsertCustomers(tx, [
    { customer_id: 'C-2090', signup_date: `${cal.day(cal.days - 20)}T08:10:00.000Z`, affiliate_id: 'IB-1001', kyc_status_id: 'approved', country_code: 'CY', signup_ip: '198.51.100.23', device_id: 'demo-device-a1' },
    { customer_id: 'C-2091', signup_date: `${cal.day(cal.days - 19)}T17:40:00.000Z`, affiliate_id: 'IB-1002', kyc_status_id: 'approved', country_code: 'CY', signup_ip: '203.0.113.77', device_id: 'demo-device-b7' },
    { customer_id: 'C-2092', signup_date: `${cal.day(cal.days - 12)}T11:02:00.000Z`, affiliate_id: 'IB-1000', kyc_status_id: 'approved', country_code: 'NG', signup_ip: '192.0.2.14', device_id: 'demo-device-shared', payment_fingerprint: 'demo-card-4417' },
    { customer_id: 'C-2093', signup_date: `${cal.day(cal.days - 10)}T11:31:00.000Z`, affiliate_id: 'IB-1000', kyc_status_id: 'approved', country_code: 'NG', signup_ip: '192.0.2.201', device_id: 'demo-device-shared', payment_fingerprint: 'demo-card-4417' },
  ]);
  const deals = [];
  for (let k = 0; k < 4; k++) {
    const open = `${recent}T${String(9 + k).padStart(2, '0')}:00:00.000Z`;
    const close = `${recent}T${String(9 + k).padStart(2, '0')}:45:00.000Z`;
    deals.push(
      { deal_id: `DEMO-H-${k}A`, customer_id: 'C-2090', symbol: 'EURUSD', side: 'buy' as const, lots: '3', open_time: open, close_time: close, currency: 'USD' },
      { deal_id: `DEMO-H-${k}B`, customer_id: 'C-2091', symbol: 'EURUSD', side: 'sell' as const, lots: '3', open_time: open.replace(':00:00.', ':00:25.'), close_time: close.replace(':45:00.', ':45:30.'), currency: 'USD' },
    );
  }
  await upsertDeals(tx, deals, timeZone);
  await scan(tx, { now, timeZone });
  await computeCommissions(tx, settings, { from: recent, to: recent, trigger: 'demo', now, cells: ['C-2090', 'C-2091'].map((customer_id) => ({ customer_id, from: recent, to: recent })) });
}
