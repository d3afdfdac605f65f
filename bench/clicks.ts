/**
 * Link benchmark against PostgreSQL: GET /l/{code} throughput and latency with every click
 * recorded (checked after a clean shutdown), beside /healthz through the same stack as the
 * in-run baseline; then ancestor and subtree query latency over a 50k-partner tree ten levels deep.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openPostgres } from '../src/db/postgres.ts';
import { ancestorChains, isInSubtree, rebuildClosure } from '../src/partners/tree.ts';
import { subtreeIds, subtreePage } from '../src/partners/tree-read.ts';
import { httpLoad, type LoadResult } from './http-load.ts';
import { type BenchOptions, type BenchRow, percentile } from './lib.ts';
import { scratchDatabase, startServerProcess } from './server-process.ts';

const SUITE = 'clicks';

async function api(url: string, token: string, path: string, body: unknown) {
  const res = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, string>>;
}

async function redirects(opts: BenchOptions, databaseUrl: string): Promise<BenchRow[]> {
  const connections = opts.quick ? 8 : 32;
  const total = opts.quick ? 4_000 : 200_000;
  const server = await startServerProcess({ DATABASE_URL: databaseUrl, OPENIB_DEFAULT_DESTINATION_URL: 'https://broker.example/' });
  let load: LoadResult;
  let health: LoadResult;
  let warm: LoadResult;
  try {
    const partner = await api(server.url, server.token, '/api/v1/partners', { name: 'Bench IB' });
    const link = await api(server.url, server.token, `/api/v1/partners/${partner.partner_id}/links`, {
      destination_url: 'https://broker.example/register?lang=en',
      utm_source: 'ib',
      utm_medium: 'referral',
    });
    const path = `/l/${link.code}?sub_id=bench`;
    warm = await httpLoad(server.port, path, { connections, total: Math.min(total, 5_000) });
    await httpLoad(server.port, '/healthz', { connections, total: Math.min(total, 5_000) });
    health = await httpLoad(server.port, '/healthz', { connections, total });
    load = await httpLoad(server.port, path, { connections, total, headers: { 'cf-ipcountry': 'AE', referer: 'https://t.me/' } });
  } finally {
    await server.stop();
  }
  const answered = (load.statuses.get(302) ?? 0) + (warm.statuses.get(302) ?? 0);
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM clicks');
  await db.end();
  const stored = Number(rows[0].n);
  const healthRow = { metric: `/healthz, ${connections} connections`, value: health.perSecond, unit: 'req/s' };
  return [
    {
      suite: SUITE,
      metric: `redirects with clicks recorded, ${connections} connections`,
      value: load.perSecond,
      unit: 'req/s',
      baseline: healthRow,
      goal: '≥ 20,000 req/s',
      met: load.perSecond >= 20_000,
    },
    {
      suite: SUITE,
      metric: 'redirect latency p50',
      value: percentile(load.latencies, 50),
      unit: 'ms',
      baseline: { metric: '/healthz p50', value: percentile(health.latencies, 50), unit: 'ms' },
    },
    {
      suite: SUITE,
      metric: 'redirect latency p99',
      value: percentile(load.latencies, 99),
      unit: 'ms',
      baseline: { metric: '/healthz p99', value: percentile(health.latencies, 99), unit: 'ms' },
      goal: '< 5 ms',
      met: percentile(load.latencies, 99) < 5,
    },
    {
      suite: SUITE,
      metric: 'clicks stored after clean shutdown',
      value: stored,
      unit: 'clicks',
      baseline: { metric: 'redirects answered', value: answered, unit: 'clicks' },
      goal: 'all answered clicks stored',
      met: stored === answered,
    },
  ];
}

/** Level sizes of a tree of `total` partners and `levels` levels, widening downwards. */
function levelSizes(total: number, levels: number): number[] {
  const weights = Array.from({ length: levels }, (_, i) => 2 ** Math.min(i, 6) + i);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.max(1, Math.floor((w / sum) * total)));
  sizes[levels - 1] += total - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

function timed(samples: number[], started: number) {
  samples.push(performance.now() - started);
}

async function treeQueries(opts: BenchOptions, databaseUrl: string): Promise<BenchRow[]> {
  const total = opts.quick ? 2_000 : 50_000;
  const levels = opts.quick ? 6 : 10;
  const runs = opts.quick ? 50 : 300;
  const db = openPostgres(databaseUrl, 2);
  const byLevel: string[][] = [];
  let random = 42;
  const rand = (n: number) => {
    random = (random * 1_103_515_245 + 12_345) % 2 ** 31;
    return random % n;
  };
  try {
    for (const [level, size] of levelSizes(total, levels).entries()) {
      const ids = Array.from({ length: size }, (_, i) => `bp_${level}_${i}`);
      const parents = ids.map(() => (level === 0 ? null : byLevel[level - 1][rand(byLevel[level - 1].length)]));
      await db.query(
        `INSERT INTO partners (partner_id, affiliate_id, referral_code, name, parent_id)
         SELECT id, 'AFF-' || id, 'RC-' || id, 'Bench partner ' || id, parent FROM unnest($1::text[], $2::text[]) AS t(id, parent)`,
        [ids, parents],
      );
      byLevel.push(ids);
    }
    const built = performance.now();
    await db.transaction((tx) => rebuildClosure(tx));
    const buildMs = performance.now() - built;
    await db.query('ANALYZE partners');
    await db.query('ANALYZE partner_tree');
    const [{ rows }] = await db.query<{ rows: number }>('SELECT count(*)::int AS rows FROM partner_tree');

    const upper = byLevel.slice(0, 4).flat();
    const all = byLevel.flat();
    const samples = { ancestors: [] as number[], ids: [] as number[], page: [] as number[], access: [] as number[], root: [] as number[] };
    for (let i = 0; i < runs; i++) {
      let s = performance.now();
      await ancestorChains(db, [byLevel[levels - 1][rand(byLevel[levels - 1].length)]]);
      timed(samples.ancestors, s);
      s = performance.now();
      await subtreeIds(db, upper[rand(upper.length)]);
      timed(samples.ids, s);
      s = performance.now();
      await subtreePage(db, upper[rand(upper.length)], { page: 1, perPage: 100 });
      timed(samples.page, s);
      s = performance.now();
      await isInSubtree(db, upper[rand(upper.length)], all[rand(all.length)]);
      timed(samples.access, s);
      if (i % 10 === 0) {
        s = performance.now();
        await subtreeIds(db, byLevel[0][rand(byLevel[0].length)]);
        timed(samples.root, s);
      }
    }
    const p95 = (xs: number[]) => percentile(xs.sort((a, b) => a - b), 95);
    const size = `${total.toLocaleString('en-US')} partners, ${levels} levels`;
    return [
      { suite: SUITE, metric: `closure table rebuilt (${size})`, value: buildMs, unit: 'ms', baseline: { metric: 'closure rows', value: rows, unit: 'rows' } },
      { suite: SUITE, metric: 'ancestors of a leaf, p95', value: p95(samples.ancestors), unit: 'ms', goal: '< 5 ms', met: p95(samples.ancestors) < 5 },
      { suite: SUITE, metric: 'subtree ids of a level 1–4 partner, p95', value: p95(samples.ids), unit: 'ms', goal: '< 20 ms', met: p95(samples.ids) < 20 },
      { suite: SUITE, metric: 'subtree page (100 nodes with counts), p95', value: p95(samples.page), unit: 'ms', goal: '< 50 ms', met: p95(samples.page) < 50 },
      { suite: SUITE, metric: 'whole subtree of a top-level partner, p95', value: p95(samples.root), unit: 'ms' },
      { suite: SUITE, metric: 'partner access check (is in subtree), p95', value: p95(samples.access), unit: 'ms', goal: '< 2 ms', met: p95(samples.access) < 2 },
    ];
  } finally {
    await db.close();
  }
}

export async function clicksBench(opts: BenchOptions): Promise<BenchRow[]> {
  const scratch = await scratchDatabase(opts.postgresUrl, 'clicks');
  try {
    const rows = await redirects(opts, scratch.url);
    rows.push(...(await treeQueries(opts, scratch.url)));
    return rows;
  } finally {
    await scratch.drop();
  }
}
