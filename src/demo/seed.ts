import { ensureClient } from '../auth/clients.ts';
import { loadConnectorDemo } from '../connectors/demo.ts';
import type { Database } from '../db/index.ts';
import { upsertActivity } from '../ingest/activity.ts';
import { upsertCustomers } from '../ingest/customers.ts';
import { upsertTransactions } from '../ingest/transactions.ts';
import { businessDate } from '../shared/dates.ts';
import { Dec } from '../shared/decimal.ts';
import { addDemoEndpoint } from '../webhooks/demo.ts';
import type { EngineSettings } from '../commissions/engine/run.ts';
import { demoCalendar } from './calendar.ts';
import { seedCommissionsDemo } from './commissions.ts';
import { seedMarketingDemo } from './marketing.ts';
import { seedAttributionDemo, seedPartnerNetwork } from './partners.ts';
import { seedPayoutDemo } from './payouts.ts';
import { seedComplianceDemo } from './compliance.ts';
import { seedRiskDemo } from './risk.ts';
import { seedDemoLogins } from '../web-auth/demo.ts';

const DEFAULT_ENGINE_SETTINGS: EngineSettings = { brokerTimeZone: 'UTC', kycApproved: ['approved', 'verified', 'passed'], kycRejected: ['rejected', 'declined', 'failed'] };

/** Well-known credentials of the demo data set; only created when demo data is loaded. */
export const DEMO_CLIENT = { id: 'demo-admin', secret: 'demo-secret-for-local-use-only' } as const;

const INSTRUMENTS = ['EURUSD', 'GBPUSD', 'XAUUSD', 'USDJPY', 'US30'];

/** Whether the demo set has been loaded into this database already. */
export async function demoLoaded(db: Database): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM settings WHERE key = 'demo_loaded'`);
  return rows.length > 0;
}

/** Sign-up day of demo customer i: five in the first week, the others spread over the history up to the last days. */
function signupOffset(i: number, days: number): number {
  return i < 5 ? i : Math.floor(((i - 4) / 8) * (days - 1));
}

/**
 * A small broker: a three-level IB network with invite links and clicks, the IBs' clients
 * (attributed by affiliate_id and by click id, one of them reassigned), their deposits and
 * trading from three months back up to yesterday (see calendar.ts), written through the same
 * functions as the data API; and a webhook endpoint that fails, so the delivery log has something
 * to show. `now` (default: the current time) is the day the history is dated back from.
 */
export async function loadDemo(
  db: Database,
  opts: { settings?: EngineSettings; now?: Date } = {},
): Promise<void> {
  const settings = opts.settings ?? DEFAULT_ENGINE_SETTINGS;
  const now = opts.now ?? new Date();
  const cal = demoCalendar(businessDate(now.toISOString(), settings.brokerTimeZone));
  const day = cal.day;
  await ensureClient(db, DEMO_CLIENT.id, DEMO_CLIENT.secret, 'Demo admin', ['admin']);
  // An inbound webhook source with the example CRM mapping (its secret is in connectors/demo.ts).
  await loadConnectorDemo(db, now);
  await db.transaction(async (tx) => {
    // Created first, so the demo's own events are queued for it.
    await addDemoEndpoint(tx);
    const network = await seedPartnerNetwork(tx);
    const affiliates = ['IB-1000', 'IB-1001', 'IB-1002', ''];
    const customers = Array.from({ length: 12 }, (_, i) => ({
      customer_id: `C-${2000 + i}`,
      signup_date: `${day(signupOffset(i, cal.days))}T0${i % 10}:15:00.000Z`,
      affiliate_id: affiliates[i % affiliates.length],
      country_code: ['GB', 'AE', 'DE', 'TH', 'AU'][i % 5],
      lang_id: 'en',
      kyc_status_id: i % 6 === 5 ? 'pending' : 'approved',
      trading_account_type: i % 3 === 0 ? 'ECN' : 'standard',
      leverage: '1:500',
      first_name: `Demo${i}`,
      last_name: 'Trader',
      email: `demo${i}@example.com`,
    }));
    await upsertCustomers(tx, customers);
    await seedAttributionDemo(tx, network, day, cal.days);
    const transactions = customers.slice(0, 9).map((c, i) => ({
      transaction_id: `T-${5000 + i}`,
      customer_id: c.customer_id,
      transaction_type: 'deposit' as const,
      amount: ['250.00', '1000.00', '99.50', '5000.00'][i % 4],
      currency: 'USD',
      transaction_date: `${day(signupOffset(i, cal.days))}T12:00:00.000Z`,
      status: i === 8 ? ('pending' as const) : ('approved' as const),
    }));
    // A recent first deposit, so the last weeks have one too.
    transactions.push({ transaction_id: 'T-5010', customer_id: 'C-2010', transaction_type: 'deposit' as const, amount: '350.00', currency: 'USD', transaction_date: `${day(signupOffset(10, cal.days))}T15:00:00.000Z`, status: 'approved' as const });
    // Depositors top up about every month, so every period has money coming in.
    for (let i = 0; i < 8; i++)
      for (let k = 1, d = signupOffset(i, cal.days) + 30 + (i % 7); d < cal.days; k++, d += 30)
        transactions.push({
          transaction_id: `T-${6000 + i * 10 + k}`,
          customer_id: customers[i].customer_id,
          transaction_type: 'deposit' as const,
          amount: ['150.00', '400.00', '75.25', '1200.00'][(i + k) % 4],
          currency: 'USD',
          transaction_date: `${day(d)}T09:30:00.000Z`,
          status: 'approved' as const,
        });
    transactions.push(
      { transaction_id: 'T-5100', customer_id: 'C-2001', transaction_type: 'withdrawal' as never, amount: '300.00', currency: 'USD', transaction_date: `${day(9)}T10:00:00.000Z`, status: 'approved' },
      { transaction_id: 'T-5101', customer_id: 'C-2003', transaction_type: 'withdrawal' as never, amount: '500.00', currency: 'USD', transaction_date: `${day(cal.days - 6)}T16:00:00.000Z`, status: 'approved' },
    );
    await upsertTransactions(tx, transactions);
    const activity = [];
    for (let d = 1; d < cal.days; d++) {
      for (const [i, c] of customers.slice(0, 8).entries()) {
        if (d < signupOffset(i, cal.days) || (d + i) % 3 === 0) continue;
        const instrument = INSTRUMENTS[(d + i) % INSTRUMENTS.length];
        const lots = new Dec((d * 7 + i * 13) % 40).div(10).plus('0.1');
        activity.push({
          date: day(d),
          customer_id: c.customer_id,
          instrument,
          currency: 'USD',
          lots_traded: lots.toFixed(2),
          volume_usd: lots.times(100_000).toFixed(0),
          spread_cost: lots.times(7).toFixed(2),
          commission: lots.times('3.5').toFixed(2),
          pnl: lots.times(((d * 31 + i * 17) % 200) - 100).toFixed(2),
        });
      }
    }
    await upsertActivity(tx, activity);
    await seedCommissionsDemo(tx, network, settings, cal, now.toISOString());
    await seedPayoutDemo(tx, cal, () => seedComplianceDemo(tx, network, cal));
    await seedMarketingDemo(tx, network);
    await seedRiskDemo(tx, cal, now.toISOString(), settings);
    // Sign-in logins for the admin console and the master IB's and sub-IB's portal.
    await seedDemoLogins(tx);
    await tx.query(`INSERT INTO settings (key, value) VALUES ('demo_loaded', 'true'::jsonb) ON CONFLICT (key) DO NOTHING`);
  });
}
