/**
 * npm run bench [-- --quick] [suite…]: runs the benchmark suites, prints one table (each figure
 * beside its in-run baseline) and writes the figures as JSON to bench/results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { type BenchRow, type BenchSuite, formatNumber } from './lib.ts';

const SUITES: Record<string, () => Promise<BenchSuite>> = {
  ingest: async () => (await import('./ingest.ts')).ingestBench,
  webhooks: async () => (await import('./webhooks.ts')).webhooksBench,
  clicks: async () => (await import('./clicks.ts')).clicksBench,
  commissions: async () => (await import('./commissions.ts')).commissionsBench,
  realtime: async () => (await import('./realtime.ts')).realtimeBench,
  reporting: async () => (await import('./reporting.ts')).reportingBench,
  'connector-match-trader': async () => (await import('./connector-match-trader.ts')).matchTraderBench,
  risk: async () => (await import('./risk.ts')).riskBench,
  cluster: async () => (await import('./cluster.ts')).clusterBench,
};

const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.OPENIB_BENCH_QUICK === '1';
const chosen = args.filter((a) => !a.startsWith('--'));
const names = chosen.length ? chosen : Object.keys(SUITES);
const unknown = names.filter((n) => !SUITES[n]);
if (unknown.length) {
  process.stderr.write(`Unknown suite(s): ${unknown.join(', ')}. Known: ${Object.keys(SUITES).join(', ')}\n`);
  process.exit(2);
}
const postgresUrl = process.env.OPENIB_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const rows: BenchRow[] = [];
const started = Date.now();
for (const name of names) {
  process.stderr.write(`bench: ${name}${quick ? ' (quick)' : ''}…\n`);
  const suite = await SUITES[name]();
  rows.push(...(await suite({ quick, postgresUrl })));
}

const table = rows.map((r) => ({
  suite: r.suite,
  metric: r.metric,
  value: `${formatNumber(r.value)} ${r.unit}`,
  baseline: r.baseline ? `${formatNumber(r.baseline.value)} ${r.baseline.unit} (${r.baseline.metric})` : '',
  ratio: r.baseline && r.baseline.unit === r.unit ? (r.value / r.baseline.value).toFixed(2) : '',
  goal: r.goal ? `${r.goal}${r.met === undefined ? '' : r.met ? ' ✓' : ' ✗'}` : '',
}));
console.table(table);
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`;
writeFileSync(file, JSON.stringify({ quick, started: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000, rows }, null, 2));
process.stderr.write(`bench: results written to ${file}\n`);
