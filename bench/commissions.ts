import { randomBytes } from 'node:crypto';
/**
 * Commission run benchmark: daily activity over a five-level IB tree, every rule type active
 * (per lot by symbol group with overrides, per notional, spread share, tiers, revenue share, CPA),
 * turned into ledger entries by one engine run on PostgreSQL. Baseline: the same number of rows
 * inserted straight into a table shaped like the ledger, in the same run. Then one batch of 1,000
 * new rows through the background (incremental) engine, into a month five times smaller and into
 * the full month: its cost must not grow with the month.
 */
import { computeCommissions } from '../src/commissions/engine/run.ts';
import { commissionTask } from '../src/commissions/engine/task.ts';
import { systemClock } from '../src/worker/clock.ts';
import { silentLogger } from '../src/worker/log.ts';
import { assignPlan, createPlan } from '../src/commissions/plan-store.ts';
import { loadConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { upsertActivity } from '../src/ingest/activity.ts';
import { upsertCustomers } from '../src/ingest/customers.ts';
import { createPartner } from '../src/partners/partners.ts';
import type { BenchOptions, BenchRow } from './lib.ts';
import { scratchDatabase } from './server-process.ts';
import { hasKeyRing, installKeyRing, keyRingOf } from '../src/shared/keyring.ts';

const PLAN = {
  plan_id: 'bench',
  name: 'Every rule',
  currency: 'USD',
  symbol_groups: [
    { group: 'fx_majors', symbols: ['EURUSD', 'GBPUSD', 'USDJPY'] },
    { group: 'metals', symbols: ['XAU*'] },
  ],
  rules: [
    { type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '6' }, { group: 'fx_majors', rate: '4' }, { group: 'metals', rate: '8' }] },
    { type: 'per_notional', per_usd: '100000', rate: '1' },
    { type: 'spread_share', percent: '10' },
    { type: 'revenue_share', percent: '5', negative_carryover: true },
    { type: 'cpa', amount: '200', min_first_deposit: '100', ftd_window_hours: 24, min_lots: '1', qualify_within_days: 90, require_kyc: false },
    { type: 'tiered_per_lot', period: 'month', mode: 'retroactive', tiers: [{ from_lots: '0', rate: '0.5' }, { from_lots: '1000', rate: '1' }] },
  ],
  hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1' }, { level: 2, percent_of_child: '10' }, { level: 3, per_lot: '0.25' }, { level: 4, per_lot: '0.1' }] },
  client_rebate: { allowed: true, per_lot: '0.5' },
};
const INSTRUMENTS = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD'];

export async function commissionsBench(opts: BenchOptions): Promise<BenchRow[]> {
  const size = opts.quick ? { partners: 31, customers: 300, days: 5 } : { partners: 781, customers: 10_000, days: 20 };
  const scratch = await scratchDatabase(opts.postgresUrl);
  // Partners' emails are sealed at rest: the process needs a key ring, as openPlatform would install.
  if (!hasKeyRing()) installKeyRing(keyRingOf(`bench:${randomBytes(32).toString('base64url')}`));
  const db = openPostgres(scratch.url, 4);
  try {
    await migrate(db);
    const settings = loadConfig({});
    // A five-level tree: every partner has five sub-IBs until the size is reached.
    const ids: string[] = [];
    await db.transaction(async (tx) => {
      await createPlan(tx, PLAN, '2020-01-01');
      for (let i = 0; i < size.partners; i++) {
        const parentId = i === 0 ? undefined : ids[Math.floor((i - 1) / 5)];
        const p = await createPartner(tx, { name: `Bench ${i}`, affiliateId: `B-${i}`, parentId, maxLevels: 10 });
        ids.push(p.partner_id);
        await assignPlan(tx, { partnerId: p.partner_id, planId: 'bench', effectiveFrom: '2020-01-01' });
      }
    });
    for (let from = 0; from < size.customers; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, size.customers - from) }, (_, k) => ({
        customer_id: `bc-${from + k}`,
        signup_date: '2026-01-01T00:00:00.000Z',
        affiliate_id: `B-${(from + k) % size.partners}`,
        kyc_status_id: 'approved',
      }));
      await db.transaction((tx) => upsertCustomers(tx, batch, settings));
    }
    const activityRow = (n: number, d: number, date: string) => {
      const cents = (n * 7919 + d * 104729) % 1000;
      return {
        date,
        customer_id: `bc-${n}`,
        instrument: INSTRUMENTS[(n + d) % INSTRUMENTS.length],
        currency: 'USD',
        lots_traded: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
        volume_usd: String(cents * 1000),
        spread_cost: `${cents % 90}.5`,
        commission: '3.5',
        pnl: `${cents % 2 ? '-' : ''}${cents}.25`,
      };
    };
    /** Loads `days` days of the month for every customer; returns the rows written. */
    const loadMonth = async (month: string, days: number) => {
      let written = 0;
      for (let d = 0; d < days; d++) {
        const date = `${month}-${String(d + 1).padStart(2, '0')}`;
        for (let from = 0; from < size.customers; from += 1000) {
          const batch = Array.from({ length: Math.min(1000, size.customers - from) }, (_, k) => activityRow(from + k, d, date));
          await upsertActivity(db, batch);
          written += batch.length;
        }
      }
      return written;
    };
    const task = commissionTask();
    const taskCtx = { db, config: { ...settings, commissionsAuto: true }, clock: systemClock, log: silentLogger, signal: new AbortController().signal, wake() {} };
    /**
     * One batch of 1,000 new rows (the next day of the month for the first 1,000 customers) through
     * the background engine, which recomputes incrementally: seconds from the batch's commit to its
     * ledger entries' commit.
     */
    const incrementalBatch = async (date: string, d: number) => {
      await db.query(`UPDATE commission_event_position SET last_txid = coalesce((SELECT max(txid) FROM events), '0'), last_event_id = coalesce((SELECT max(id) FROM events), 0)`);
      const before = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_entries'))[0].n;
      await upsertActivity(db, Array.from({ length: Math.min(1000, size.customers) }, (_, n) => activityRow(n, d, date)));
      const t = performance.now();
      while (await task.run(taskCtx));
      const seconds = (performance.now() - t) / 1000;
      const entries = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_entries'))[0].n - before;
      if (entries === 0) throw new Error('the incremental batch wrote no entries');
      return { seconds, entries };
    };

    // A smaller month first (February, a fifth of the days), with one incremental batch into it.
    const smallDays = Math.max(1, Math.floor(size.days / 5));
    const smallRows = await loadMonth('2026-02', smallDays);
    await db.transaction((tx) => computeCommissions(tx, settings, { from: '2026-02-01', to: '2026-02-28', trigger: 'bench' }));
    const small = await incrementalBatch(`2026-02-${String(smallDays + 1).padStart(2, '0')}`, smallDays);

    const rows = await loadMonth('2026-03', size.days);
    const started = performance.now();
    const summary = await db.transaction((tx) => computeCommissions(tx, settings, { from: '2026-03-01', to: '2026-03-31', trigger: 'bench' }));
    const seconds = (performance.now() - started) / 1000;
    const again = performance.now();
    const rerun = await db.transaction((tx) => computeCommissions(tx, settings, { from: '2026-03-01', to: '2026-03-31', trigger: 'bench' }));
    const rerunSeconds = (performance.now() - again) / 1000;
    if (rerun.entries_written !== 0) throw new Error(`a second run wrote ${rerun.entries_written} entries; it must write none`);

    // The same batch into the full month (five times as many rows).
    const large = await incrementalBatch(`2026-03-${String(size.days + 1).padStart(2, '0')}`, size.days);

    // Baseline: the database's own insert rate for as many ledger-shaped rows.
    await db.query('CREATE TABLE ceiling (LIKE ledger_entries INCLUDING DEFAULTS)');
    const t0 = performance.now();
    await db.query(
      `INSERT INTO ceiling (partner_id, currency, amount, kind, level, source_type, source_key, rule, fact_date, explanation)
       SELECT 'p' || (g % 781), 'USD', (g % 1000) / 100.0, 'per_lot', 0, 'activity', g::text, 'per_lot', '2026-03-01', '{"rule":"per_lot"}'::jsonb
       FROM generate_series(1, $1::int) g`,
      [summary.entries_written],
    );
    const ceiling = summary.entries_written / ((performance.now() - t0) / 1000);
    return [
      {
        suite: 'commissions',
        metric: `engine run: ${rows.toLocaleString('en-US')} activity rows, 5-level tree, every rule type → ${summary.entries_written.toLocaleString('en-US')} entries`,
        value: rows / seconds,
        unit: 'rows/s',
        goal: '≥ 100k activity rows/s on PostgreSQL',
        met: rows / seconds >= 100_000,
      },
      {
        suite: 'commissions',
        metric: 'ledger entries written per second by the run',
        value: summary.entries_written / seconds,
        unit: 'entries/s',
        baseline: { metric: 'plain INSERT … SELECT of as many ledger rows', value: ceiling, unit: 'entries/s' },
      },
      { suite: 'commissions', metric: 'second run over the same month (writes nothing)', value: rows / rerunSeconds, unit: 'rows/s' },
      {
        suite: 'commissions',
        metric: `incremental: ${Math.min(1000, size.customers).toLocaleString('en-US')} new rows into a month of ${rows.toLocaleString('en-US')} rows → ${large.entries.toLocaleString('en-US')} entries, batch commit to ledger commit`,
        value: large.seconds * 1000,
        unit: 'ms',
        baseline: { metric: `the same batch into a month of ${smallRows.toLocaleString('en-US')} rows`, value: small.seconds * 1000, unit: 'ms' },
        goal: 'cost does not grow with the month: ≤ 1.5 × the smaller month',
        met: large.seconds <= 1.5 * small.seconds,
      },
    ];
  } finally {
    await db.close();
    await scratch.drop();
  }
}
