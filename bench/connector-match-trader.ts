/**
 * Match-Trader connector benchmark: a backfill of a generated history (100,000+ closed positions,
 * plus the clients' trading accounts and balance operations) from the Broker API simulator
 * (test/simulators/match-trader.ts) into OpenIB on PostgreSQL, through the pull runner exactly as
 * a scheduled run does it; then incremental syncs of freshly closed positions. Reports records per
 * second of the backfill (baseline: the data API's own upserts are measured by the ingest suite)
 * and the incremental lag: from a position's close to the end of the run that applied it, with a
 * run started as soon as the previous one ended (interval_seconds 1).
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.ts';
import { createConnector } from '../src/connectors/pull/store.ts';
import { runOnce } from '../src/connectors/pull/run.ts';
import { startServer } from '../src/server.ts';
import { generateHistory, type SimPosition, startMatchTrader } from '../test/simulators/match-trader.ts';
import { type BenchOptions, type BenchRow, percentile } from './lib.ts';
import { scratchDatabase } from './server-process.ts';

const SUITE = 'connector-match-trader';
const DAY = 86_400_000;

export async function matchTraderBench(opts: BenchOptions): Promise<BenchRow[]> {
  const positions = opts.quick ? 2_000 : Number(process.env.OPENIB_BENCH_MT_POSITIONS ?? 100_000);
  const db = await scratchDatabase(opts.postgresUrl, 'mt');
  const sim = await startMatchTrader();
  const key = randomBytes(32).toString('base64');
  const server = await startServer(loadConfig({ PORT: '0', OPENIB_DEMO: '0', DATABASE_URL: db.url, OPENIB_ENCRYPTION_KEYS: `k1:${key}`, OPENIB_COMMISSIONS_AUTO: '0' }), {
    role: 'api',
    logger: false,
  });
  try {
    const now = Date.now();
    const from = new Date(now - 90 * DAY).toISOString();
    const history = generateHistory({ clients: Math.max(100, positions / 100), positions, operations: positions / 10, from, to: new Date(now - 60_000).toISOString(), groups: ['real\\standard'], affiliates: ['IB-1', ''] });
    sim.accounts.push(...history.accounts);
    sim.addPositions(history.positions);
    sim.addOperations(history.operations);
    await createConnector(server.ctx.db, {
      id: 'bench-mt',
      name: 'bench',
      kind: 'match_trader',
      interval_seconds: 1,
      config: { base_url: sim.url, system_uuid: sim.systemUuid, groups: ['real\\standard'], backfill_from: new Date(now - 91 * DAY).toISOString(), limit: 5000, max_requests_per_run: 100_000 },
      secrets: { api_key: sim.apiKey },
    });
    const started = performance.now();
    const r = await runOnce(server.ctx, 'bench-mt');
    const seconds = (performance.now() - started) / 1000;
    if (r.status !== 'ok' || r.records_rejected > 0) throw new Error(`backfill: ${JSON.stringify(r)}`);
    // Customers, trading accounts, deals and transactions stored.
    const total = r.records_in;

    // Incremental: a few positions close, then the next run applies them.
    const lags: number[] = [];
    const rounds = opts.quick ? 3 : 10;
    for (let round = 0; round < rounds; round++) {
      const closed = Date.now();
      const fresh: SimPosition[] = Array.from({ length: 50 }, (_, i) => ({
        ...history.positions[i],
        id: `9${round}${String(i).padStart(5, '0')}`,
        openTime: new Date(closed - 60_000).toISOString(),
        closeTime: new Date(closed - i).toISOString(),
      }));
      await new Promise((res) => setTimeout(res, 20));
      sim.addPositions(fresh);
      const inc = await runOnce(server.ctx, 'bench-mt');
      if (inc.status !== 'ok') throw new Error(`incremental: ${inc.error}`);
      lags.push((Date.now() - closed) / 1000);
    }
    lags.sort((a, b) => a - b);
    return [
      { suite: SUITE, metric: `backfill of ${positions.toLocaleString('en-US')} closed positions (+ accounts, balance operations)`, value: total / seconds, unit: 'rows/s' },
      { suite: SUITE, metric: 'backfill duration', value: seconds, unit: 's' },
      { suite: SUITE, metric: 'incremental lag p50 (close → applied)', value: percentile(lags, 50), unit: 's', goal: '< 5 s', met: percentile(lags, 50) < 5 },
      { suite: SUITE, metric: 'incremental lag max', value: lags[lags.length - 1], unit: 's', goal: '< 5 s', met: lags[lags.length - 1] < 5 },
    ];
  } finally {
    await server.stop();
    await sim.close();
    await db.drop();
  }
}
