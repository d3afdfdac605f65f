/**
 * Ingest benchmark: daily activity pushed through the HTTP API in 1000-record batches by several
 * concurrent clients, against the raw ceiling of the same upserts sent straight to PostgreSQL over
 * four connections, plus the embedded (PGlite) figure and /healthz latency while it ingests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { openPostgres } from '../src/db/postgres.ts';
import { type BenchOptions, type BenchRow, percentile } from './lib.ts';
import { scratchDatabase, startServerProcess } from './server-process.ts';

const INSTRUMENTS = ['EURUSD', 'GBPUSD', 'XAUUSD', 'USDJPY', 'US500'];

interface Sizes {
  customers: number;
  days: number;
  instruments: number;
  clients: number;
}

function activityBatches(s: Sizes): string[] {
  const batches: string[] = [];
  let batch: unknown[] = [];
  for (let d = 0; d < s.days; d++) {
    const date = new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10);
    for (let c = 0; c < s.customers; c++) {
      for (let i = 0; i < s.instruments; i++) {
        const cents = (c * 7919 + d * 104729 + i * 31) % 100_000;
        batch.push({
          date,
          customer_id: `bc-${c}`,
          instrument: INSTRUMENTS[i],
          lots_traded: `${Math.floor(cents / 1000)}.${String(cents % 100).padStart(2, '0')}`,
          volume_usd: String(cents * 1000),
          spread_cost: `${cents % 500}.25`,
          commission: `${cents % 70}.5`,
          pnl: `${cents % 2 ? '-' : ''}${cents % 9000}.75`,
          currency: 'USD',
        });
        if (batch.length === 1000) {
          batches.push(JSON.stringify(batch));
          batch = [];
        }
      }
    }
  }
  if (batch.length) batches.push(JSON.stringify(batch));
  return batches;
}

/** Registers the customers, with the personal data a CRM sends (sealed at rest); returns customers per second. */
async function pushCustomers(url: string, token: string, n: number): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < n; from += 1000) {
    const body = Array.from({ length: Math.min(1000, n - from) }, (_, i) => ({
      customer_id: `bc-${from + i}`,
      signup_date: '2025-12-01T00:00:00Z',
      affiliate_id: `IB-${(from + i) % 50}`,
      first_name: `First${from + i}`,
      last_name: 'Benchmark',
      email: `bc-${from + i}@bench.example`,
      phone: `+4420${String(from + i).padStart(7, '0')}`,
    }));
    const res = await fetch(`${url}/api/v1/forex/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`customer push failed: ${res.status} ${await res.text()}`);
  }
  return n / ((performance.now() - started) / 1000);
}

/** Sends the batches with `clients` concurrent senders; returns rows per second. */
async function pushBatches(url: string, token: string, batches: string[], clients: number): Promise<number> {
  let next = 0;
  let rows = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < batches.length) {
        const body = batches[next++];
        const res = await fetch(`${url}/api/v1/forex/trading-activity`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        });
        const out = (await res.json()) as { meta?: { received: number } };
        if (!res.ok || !out.meta) throw new Error(`activity push failed: ${res.status} ${JSON.stringify(out).slice(0, 300)}`);
        rows += out.meta.received;
      }
    }),
  );
  return rows / ((performance.now() - started) / 1000);
}

/** The same upsert the API runs, sent straight to PostgreSQL over four connections. */
async function rawCeiling(url: string, batches: string[]): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const columns = ['date', 'customer_id', 'instrument', 'currency', 'lots_traded', 'volume_usd', 'spread_cost', 'commission', 'pnl'];
  const prepared = batches.map((b) => {
    const records = JSON.parse(b) as Record<string, string>[];
    return columns.map((c) => records.map((r) => r[c]));
  });
  let next = 0;
  let rows = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < prepared.length) {
        const params = prepared[next++];
        await pool.query(
          `INSERT INTO trading_activity AS a (date, customer_id, instrument, currency, lots_traded, volume_usd, spread_cost, commission, pnl)
           SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[])
           ON CONFLICT (date, customer_id, instrument, currency) DO UPDATE SET lots_traded = EXCLUDED.lots_traded, volume_usd = EXCLUDED.volume_usd,
             spread_cost = EXCLUDED.spread_cost, commission = EXCLUDED.commission, pnl = EXCLUDED.pnl, updated_at = now()`,
          params,
        );
        rows += params[0].length;
      }
    }),
  );
  const perSecond = rows / ((performance.now() - started) / 1000);
  await pool.end();
  return perSecond;
}

async function healthLatencies(url: string, during: Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  let done = false;
  during.finally(() => {
    done = true;
  });
  while (!done) {
    const t0 = performance.now();
    await fetch(`${url}/healthz`).then((r) => r.arrayBuffer());
    samples.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  return samples.sort((a, b) => a - b);
}

export async function ingestBench(opts: BenchOptions): Promise<BenchRow[]> {
  const sizes: Sizes = opts.quick
    ? { customers: 500, days: 4, instruments: 2, clients: 4 }
    : { customers: 5000, days: 30, instruments: 2, clients: 4 };
  const batches = activityBatches(sizes);
  const totalRows = sizes.customers * sizes.days * sizes.instruments;
  const rows: BenchRow[] = [];

  // PostgreSQL server: HTTP API versus the raw ceiling, each on its own scratch database.
  const apiDb = await scratchDatabase(opts.postgresUrl);
  const rawDb = await scratchDatabase(opts.postgresUrl);
  try {
    // The API role alone: the ingest path itself, as a deployment that runs workers in other processes.
    const server = await startServerProcess({ DATABASE_URL: apiDb.url }, ['--role', 'api']);
    let api: number;
    let customers: number;
    try {
      customers = await pushCustomers(server.url, server.token, sizes.customers);
      api = await pushBatches(server.url, server.token, batches, sizes.clients);
    } finally {
      await server.stop();
    }
    const db = openPostgres(rawDb.url);
    await migrate(db);
    await db.query(
      `INSERT INTO customers (customer_id, signup_date, affiliate_id) SELECT 'bc-' || g, '2025-12-01', 'IB-1' FROM generate_series(0, $1::int - 1) g`,
      [sizes.customers],
    );
    await db.close();
    const raw = await rawCeiling(rawDb.url, batches);
    rows.push({
      suite: 'ingest',
      metric: `HTTP API (api role) → PostgreSQL (${totalRows.toLocaleString('en-US')} activity rows, ${sizes.clients} clients)`,
      value: api,
      unit: 'rows/s',
      baseline: { metric: 'raw unnest upsert, 4 connections', value: raw, unit: 'rows/s' },
      goal: 'ratio ≥ 0.6 and ≥ 100k rows/s',
      met: api / raw >= 0.6 && api >= 100_000,
    });
    rows.push({
      suite: 'ingest',
      metric: `customers with names, email and phone (sealed at rest) via HTTP API → PostgreSQL (${sizes.customers.toLocaleString('en-US')}, 1000 per request, one client)`,
      value: customers,
      unit: 'customers/s',
    });
  } finally {
    await apiDb.drop();
    await rawDb.drop();
  }

  // Embedded PGlite: throughput and how responsive the API stays meanwhile.
  const dir = mkdtempSync(join(tmpdir(), 'openib-bench-'));
  try {
    const server = await startServerProcess({ OPENIB_DATA_DIR: dir }, ['--role', 'api']);
    try {
      await pushCustomers(server.url, server.token, sizes.customers);
      const embeddedBatches = batches.slice(0, Math.max(1, Math.floor(batches.length / 3)));
      const ingest = pushBatches(server.url, server.token, embeddedBatches, sizes.clients);
      const [embedded, health] = await Promise.all([ingest, healthLatencies(server.url, ingest)]);
      rows.push({
        suite: 'ingest',
        metric: `HTTP API (api role) → embedded PGlite (${(embeddedBatches.length * 1000).toLocaleString('en-US')} rows)`,
        value: embedded,
        unit: 'rows/s',
      });
      rows.push({
        suite: 'ingest',
        metric: `/healthz p99 during embedded ingest (${health.length} probes)`,
        value: percentile(health, 99),
        unit: 'ms',
        baseline: { metric: 'p50', value: percentile(health, 50), unit: 'ms' },
        goal: 'p99 < 50 ms',
        met: percentile(health, 99) < 50,
      });
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // `npm start` as shipped: role all on embedded PGlite, the commission engine and rollups worker
  // recomputing behind the ingest in the same process (their settle delay gathers batches per round).
  const allDir = mkdtempSync(join(tmpdir(), 'openib-bench-'));
  try {
    const server = await startServerProcess({ OPENIB_DATA_DIR: allDir, OPENIB_DEMO: '0' });
    try {
      // The clients' IBs on a per-lot plan, so the engine has commissions to compute for every batch.
      const call = async (path: string, body: unknown) => {
        const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        if (!res.ok) throw new Error(`${path} → ${res.status} ${await res.text()}`);
        return res.json() as Promise<Record<string, any>>;
      };
      await call('/api/v1/plans', { plan_id: 'bench-lots', name: 'Bench per lot', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '5' }, { symbol: 'XAUUSD', rate: '8' }] }] });
      for (let i = 0; i < 50; i++) {
        const p = await call('/api/v1/partners', { name: `Bench IB ${i}`, affiliate_id: `IB-${i}` });
        await call(`/api/v1/partners/${p.partner_id}/plan`, { plan_id: 'bench-lots', effective_from: '2020-01-01' });
      }
      await pushCustomers(server.url, server.token, sizes.customers);
      const embeddedBatches = batches.slice(0, Math.max(1, Math.floor(batches.length / 3)));
      const all = await pushBatches(server.url, server.token, embeddedBatches, sizes.clients);
      const apiRole = rows.find((r) => r.metric.includes('embedded PGlite'));
      rows.push({
        suite: 'ingest',
        metric: `HTTP API (role all, workers in the process) → embedded PGlite (${(embeddedBatches.length * 1000).toLocaleString('en-US')} rows)`,
        value: all,
        unit: 'rows/s',
        ...(apiRole ? { baseline: { metric: 'api role alone', value: apiRole.value, unit: 'rows/s' } } : {}),
      });
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(allDir, { recursive: true, force: true });
  }
  return rows;
}
