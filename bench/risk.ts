/**
 * Risk benchmark: deals ingested through the same function as the data API, then one risk scan
 * over them (every signal: hedging, short trades, linked accounts, deposit-and-run, bursts, bots,
 * payout changes). Both are reported in deals per second, so detection can be judged against
 * ingest: the scan must process the rows at least as fast as they arrive.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { upsertCustomers } from '../src/ingest/customers.ts';
import { upsertDeals } from '../src/ingest/deals.ts';
import { createPartner } from '../src/partners/partners.ts';
import { scan } from '../src/risk/cases.ts';
import { hasKeyRing, installKeyRing, keyRingOf } from '../src/shared/keyring.ts';
import type { BenchOptions, BenchRow } from './lib.ts';
import { scratchDatabase } from './server-process.ts';

const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'US500'];

export async function riskBench(opts: BenchOptions): Promise<BenchRow[]> {
  const size = opts.quick ? { partners: 21, customers: 500, deals: 20_000 } : { partners: 156, customers: 10_000, deals: 500_000 };
  const scratch = await scratchDatabase(opts.postgresUrl, 'risk');
  if (!hasKeyRing()) installKeyRing(keyRingOf(`bench:${randomBytes(32).toString('base64url')}`));
  const db = openPostgres(scratch.url, 4);
  try {
    await migrate(db);
    const settings = loadConfig({});
    const ids: string[] = [];
    await db.transaction(async (tx) => {
      for (let i = 0; i < size.partners; i++) {
        const p = await createPartner(tx, { name: `Risk ${i}`, affiliateId: `R-${i}`, parentId: i === 0 ? undefined : ids[Math.floor((i - 1) / 5)], maxLevels: 10 });
        ids.push(p.partner_id);
      }
    });
    // Customers with sign-up identifiers: one in fifty shares a device with its neighbour.
    for (let from = 0; from < size.customers; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, size.customers - from) }, (_, k) => {
        const n = from + k;
        return {
          customer_id: `rc-${n}`,
          signup_date: new Date(Date.UTC(2026, 10, 1) + (n % 25) * 86_400_000 + n * 1000).toISOString(),
          affiliate_id: `R-${n % size.partners}`,
          signup_ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
          device_id: `dev-${n % 50 === 1 ? n - 1 : n}`,
        };
      });
      await db.transaction((tx) => upsertCustomers(tx, batch, settings));
    }
    // Deals over 25 days; one deal in five is the opposite leg of the deal before it.
    const dealAt = (i: number) => {
      const base = Date.UTC(2026, 10, 2) + Math.floor(i / 5) * Math.floor((25 * 86_400_000) / (size.deals / 5));
      const hedge = i % 5 === 1;
      const customer = hedge ? (i * 7919 + 1) % size.customers : (i * 7919) % size.customers;
      const open = base + (hedge ? 20_000 : (i % 5) * 600_000);
      return {
        deal_id: `rd-${i}`,
        customer_id: `rc-${customer}`,
        symbol: SYMBOLS[Math.floor(i / 5) % SYMBOLS.length],
        side: (hedge ? 'sell' : 'buy') as 'buy' | 'sell',
        lots: `${1 + (i % 4)}.${i % 10}0`,
        open_time: new Date(open).toISOString(),
        close_time: new Date(open + 30_000 + (i % 7) * 900_000).toISOString(),
        currency: 'USD',
      };
    };
    const started = performance.now();
    for (let from = 0; from < size.deals; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, size.deals - from) }, (_, k) => dealAt(from + k));
      await db.transaction((tx) => upsertDeals(tx, batch, settings.brokerTimeZone));
    }
    const ingestSeconds = (performance.now() - started) / 1000;
    // Statistics as autovacuum keeps them after a load of this size: the scan's plans depend on them.
    await db.query('ANALYZE');
    const scanStarted = performance.now();
    const result = await db.transaction((tx) => scan(tx, { now: '2026-11-30T00:00:00.000Z', timeZone: settings.brokerTimeZone }));
    const scanSeconds = (performance.now() - scanStarted) / 1000;
    const ingestRate = size.deals / ingestSeconds;
    const scanRate = size.deals / scanSeconds;
    return [
      { suite: 'risk', metric: `ingest deals (${size.deals.toLocaleString('en-US')} rows)`, value: ingestRate, unit: 'rows/s' },
      {
        suite: 'risk',
        metric: `risk scan over the same deals (${result.opened.length} cases opened)`,
        value: scanRate,
        unit: 'rows/s',
        baseline: { metric: 'ingest deals', value: ingestRate, unit: 'rows/s' },
        goal: 'detection keeps up with ingest (scan rows/s ≥ ingest rows/s)',
        met: scanRate >= ingestRate,
      },
    ];
  } finally {
    await db.close();
    await scratch.drop();
  }
}
