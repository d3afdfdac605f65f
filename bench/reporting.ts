/**
 * Reporting benchmark: a generated broker (openib demo generate, through the bulk ingest paths) on
 * PostgreSQL, then through a server process: p50/p95 of every dashboard report against the same
 * summary computed straight from the raw facts, SSE freshness (ingest committed → KPI event
 * received) against the ingest call alone, and the rollup rebuild against one scan of the facts.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { type BenchOptions, type BenchRow, percentile } from './lib.ts';
import { scratchDatabase, startServerProcess } from './server-process.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const SUITE = 'reporting';

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q);

// The summary's subtree KPIs computed from the raw facts (no rollups): the in-run baseline.
const RAW_SUMMARY = `
WITH sub AS (SELECT descendant_id FROM partner_tree WHERE ancestor_id = $1),
own AS (SELECT t.* FROM attributions t WHERE t.partner_id IN (SELECT descendant_id FROM sub) AND t.superseded_at IS NULL)
SELECT (SELECT coalesce(sum(a.lots_traded), 0) FROM own o JOIN trading_activity a ON a.customer_id = o.customer_id AND a.date BETWEEN $2 AND $3
          AND o.effective_from < (a.date + 1)::timestamp AT TIME ZONE 'UTC' AND (o.effective_to IS NULL OR o.effective_to >= (a.date + 1)::timestamp AT TIME ZONE 'UTC')) AS lots,
       (SELECT coalesce(sum(x.amount), 0) FROM own o JOIN transactions x ON x.customer_id = o.customer_id AND x.status = 'approved' AND x.transaction_type = 'deposit'
          AND x.transaction_date >= $2::date AND x.transaction_date < $3::date + 1) AS deposits,
       (SELECT count(*) FROM own o JOIN customers c ON c.customer_id = o.customer_id AND c.signup_date >= $2::date AND c.signup_date < $3::date + 1) AS registrations`;

export async function reportingBench(opts: BenchOptions): Promise<BenchRow[]> {
  const size = opts.quick
    ? { partners: 40, depth: 3, customers: 800, days: 30, samples: 8, sse: 4 }
    : { partners: 5000, depth: 5, customers: 100_000, days: 365, samples: 40, sse: 20 };
  const until = '2026-06-30';
  const from = '2026-06-01';
  const scratch = await scratchDatabase(opts.postgresUrl);
  // No plans exist in the generated data: the commission engine would only read every fact again.
  // One throwaway key for the generator, the rebuild and the server: they read each other's sealed data.
  const keys = process.env.OPENIB_ENCRYPTION_KEYS || `bench:${randomBytes(32).toString('base64url')}`;
  const env = { DATABASE_URL: scratch.url, OPENIB_DEMO: '0', OPENIB_BROKER_TIMEZONE: 'UTC', OPENIB_COMMISSIONS_AUTO: '0', OPENIB_ENCRYPTION_KEYS: keys };
  const rows: BenchRow[] = [];
  try {
    const generate = await timed(() =>
      run(process.execPath, [CLI, 'demo', 'generate', '--partners', String(size.partners), '--depth', String(size.depth), '--customers', String(size.customers), '--days', String(size.days), '--seed', '42', '--until', until, '--no-rollups'], {
        env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000,
      }),
    );
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    const [{ activity }] = (await client.query('SELECT count(*)::int AS activity FROM trading_activity')).rows;
    process.stderr.write(`bench: reporting data: ${activity} activity rows, ${size.customers} clients, ${size.partners} partners, generated in ${(generate / 1000).toFixed(0)} s\n`);
    const rebuild = await timed(() => run(process.execPath, [CLI, 'rollups', 'rebuild'], { env: { ...process.env, ...env }, timeout: 30 * 60_000 }));
    const scan = await timed(() => client.query('SELECT count(*), sum(lots_traded), sum(volume_usd) FROM trading_activity'));
    rows.push({ suite: SUITE, metric: `rollup rebuild (${activity.toLocaleString('en-US')} activity rows)`, value: rebuild / 1000, unit: 's', baseline: { metric: 'one scan of trading_activity', value: scan / 1000, unit: 's' } });

    // Sample partners: the largest subtrees and a spread of ordinary ones.
    const partners: string[] = (await client.query(
      `(SELECT ancestor_id AS id FROM partner_tree GROUP BY ancestor_id ORDER BY count(*) DESC LIMIT 4)
       UNION (SELECT partner_id FROM partners ORDER BY md5(partner_id) LIMIT $1)`, [size.samples],
    )).rows.map((r) => r.id);
    const server = await startServerProcess(env);
    try {
      const get = async (path: string) => {
        const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.token}` } });
        if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      };
      const q = `from=${from}&to=${until}`;
      const reports: [string, (id: string) => string][] = [
        ['summary', (id) => `/api/v1/reports/partners/${id}/summary?${q}`],
        ['timeseries (day)', (id) => `/api/v1/reports/partners/${id}/timeseries?${q}&metric=lots`],
        ['customers', (id) => `/api/v1/reports/partners/${id}/customers?${q}`],
        ['subtree (first page)', (id) => `/api/v1/reports/partners/${id}/subtree?${q}`],
        ['subtree (top 20 by net deposits)', (id) => `/api/v1/reports/partners/${id}/subtree?${q}&sort=subtree.net_deposits&per_page=20`],
        ['subtree (one level)', (id) => `/api/v1/reports/partners/${id}/subtree?${q}&max_depth=1`],
        ['links', (id) => `/api/v1/reports/partners/${id}/links?${q}`],
        ['overview', () => `/api/v1/reports/overview?${q}`],
      ];
      const raw: number[] = [];
      for (const id of partners) raw.push(await timed(() => client.query(RAW_SUMMARY, [id, from, until])));
      const baseline = { metric: 'summary from raw facts, p95', value: p(raw, 95), unit: 'ms' };
      for (const [name, path] of reports) {
        for (const id of partners.slice(0, 2)) await get(path(id)); // warm up
        const times: number[] = [];
        for (let round = 0; round < 2; round++) for (const id of partners) times.push(await timed(() => get(path(id))));
        rows.push({ suite: SUITE, metric: `${name} p50`, value: p(times, 50), unit: 'ms' });
        rows.push({ suite: SUITE, metric: `${name} p95`, value: p(times, 95), unit: 'ms', baseline, goal: 'p95 < 50 ms', met: p(times, 95) < 50 });
      }

      // SSE freshness: a deposit through the API → the partner's stream shows it.
      const [{ customer_id: customer, partner_id: owner }] = (await client.query(
        `SELECT customer_id, partner_id FROM attributions WHERE superseded_at IS NULL ORDER BY customer_id LIMIT 1`,
      )).rows;
      const res = await fetch(`${server.url}/api/v1/reports/partners/${owner}/stream?from=${until}&to=${until}&access_token=${server.token}`);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const waitFor = async (deposits: string) => {
        for (;;) {
          const frames = buffer.split('\n\n');
          buffer = frames.pop() ?? '';
          for (const f of frames) if (f.includes('event: kpis') && f.includes(`"deposits":"${deposits}"`) && f.includes('"own"')) return;
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffer += decoder.decode(value, { stream: true });
        }
      };
      const fresh: number[] = [];
      const acks: number[] = [];
      const [{ base }] = (await client.query(
        `SELECT coalesce(round(sum(deposits), 2), 0)::text AS base FROM report_partner_daily WHERE partner_id = $1 AND day = $2`, [owner, until],
      )).rows;
      let total = Number(base);
      for (let i = 0; i < size.sse; i++) {
        total += 10;
        const started = performance.now();
        const post = await fetch(`${server.url}/api/v1/forex/transactions`, {
          method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
          body: JSON.stringify([{ transaction_id: `bench-sse-${i}`, customer_id: customer, transaction_type: 'deposit', amount: '10.00', currency: 'USD', status: 'approved', transaction_date: `${until}T12:00:00Z` }]),
        });
        if (!post.ok) throw new Error(`ingest → ${post.status} ${await post.text()}`);
        acks.push(performance.now() - started);
        await waitFor(total.toFixed(2));
        fresh.push(performance.now() - started);
      }
      await reader.cancel();
      rows.push({ suite: SUITE, metric: 'SSE freshness p95 (ingest → event)', value: p(fresh, 95), unit: 'ms', baseline: { metric: 'ingest call alone, p95', value: p(acks, 95), unit: 'ms' }, goal: 'p95 < 1000 ms', met: p(fresh, 95) < 1000 });
    } finally {
      await server.stop();
      await client.end();
    }
  } finally {
    await scratch.drop();
  }
  return rows;
}
