/**
 * The mixed load the cluster test and benchmark send through the load balancer: customers,
 * deposits, daily activity and deals in batches (each write with an Idempotency-Key), reports read
 * by a dashboard client, and every event signed to a local webhook receiver, while the workers
 * compute commissions. Then the checks: nothing acknowledged is missing, the ledger equals a whole
 * recomputation, no webhook id arrives twice.
 */
import type { Database } from '../../src/db/index.ts';
import { ADMIN_CLIENT, type Cluster, ClusterClient } from './cluster.ts';
import { fullRecomputationDelta, setup } from './commission-world.ts';
import { businessDate } from '../../src/shared/dates.ts';

export interface LoadSize {
  /** Concurrent clients, each sending its batches one after another. */
  lanes: number;
  batches: number;
  customersPerBatch: number;
}

export interface World {
  writer: ClusterClient;
  reader: ClusterClient;
  readerId: string;
  readerSecret: string;
  partnerIds: Map<string, string>;
}

export interface LoadResult {
  customers: string[];
  transactions: string[];
  deals: string[];
  activity: number;
  requests: number;
  records: number;
  seconds: number;
  reportPools: Record<string, number>;
}

const AFFILIATES = ['IA', 'IB', 'IC', 'ID'];

/** The plan, the partner tree, a dashboard client that only reads and a webhook endpoint for every event. */
export async function prepareWorld(cluster: Cluster): Promise<World> {
  const partnerIds = await setup(cluster.db);
  const perToken = cluster.rateLimitPerMinute - 10;
  const writer = new ClusterClient(cluster.url, ADMIN_CLIENT, cluster.adminSecret, perToken);
  const created = await writer.call('POST', '/api/v1/clients', { name: 'Dashboard', scopes: ['read:all'] });
  if (created.status !== 201) throw new Error(`dashboard client not created: ${created.status} ${JSON.stringify(created.body)}`);
  const reader = new ClusterClient(cluster.url, created.body.client_id, created.body.client_secret, perToken);
  const endpoint = await writer.call('POST', '/api/v1/webhooks/endpoints', { url: `${cluster.receiver.url}/hooks`, description: 'cluster test CRM' });
  if (endpoint.status !== 201) throw new Error(`webhook endpoint not created: ${endpoint.status} ${JSON.stringify(endpoint.body)}`);
  return { writer, reader, readerId: created.body.client_id, readerSecret: created.body.client_secret, partnerIds };
}

/** Sends the load; `midway` runs (not awaited by the lanes) once half the batches are acknowledged. */
export async function mixedLoad(world: World, size: LoadSize, label: string, midway?: () => Promise<void>): Promise<LoadResult> {
  const result: LoadResult = { customers: [], transactions: [], deals: [], activity: 0, requests: 0, records: 0, seconds: 0, reportPools: {} };
  const total = size.lanes * size.batches;
  let done = 0;
  let during: Promise<void> | undefined;
  const ok = async (method: string, path: string, body?: unknown) => {
    const client = method === 'GET' ? world.reader : world.writer;
    const res = await client.call(method, path, body);
    result.requests += 1;
    if (res.status !== 200) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
    return res;
  };
  const ia = world.partnerIds.get('IA') as string;
  const started = performance.now();
  const lane = async (l: number) => {
    for (let b = 0; b < size.batches; b++) {
      const ids = Array.from({ length: size.customersPerBatch }, (_, i) => `${label}-${l}-${b}-${i}`);
      await ok('POST', '/api/v1/forex/customers', ids.map((id, i) => ({ customer_id: id, signup_date: '2026-03-02T10:00:00Z', affiliate_id: AFFILIATES[i % 4], kyc_status_id: 'approved' })));
      result.customers.push(...ids);
      const deposits = ids.map((id) => ({ transaction_id: `${id}-dep`, customer_id: id, transaction_type: 'deposit', amount: '500.00', currency: 'USD', transaction_date: '2026-03-03T12:00:00Z', status: 'approved' }));
      await ok('POST', '/api/v1/forex/transactions', deposits);
      result.transactions.push(...deposits.map((d) => d.transaction_id));
      await ok('POST', '/api/v1/forex/trading-activity', ids.map((id, i) => ({ date: '2026-03-04', customer_id: id, instrument: i % 3 ? 'EURUSD' : 'XAUUSD', currency: 'USD', lots_traded: '1.50', volume_usd: '150000', spread_cost: '10.50', commission: '0', pnl: '-4.50' })));
      result.activity += ids.length;
      const deals = ids.map((id, i) => ({ deal_id: `${id}-d`, customer_id: id, symbol: 'EURUSD', currency: 'USD', side: i % 2 ? 'buy' : 'sell', lots: '0.50', open_time: '2026-03-05T09:00:00Z', close_time: '2026-03-05T09:05:00Z' }));
      await ok('POST', '/api/v1/forex/deals', deals);
      result.deals.push(...deals.map((d) => d.deal_id));
      result.records += ids.length * 4;
      for (const path of ['/api/v1/reports/overview?from=2026-03-01&to=2026-03-31', `/api/v1/reports/partners/${ia}/summary?from=2026-03-01&to=2026-03-31`]) {
        const res = await ok('GET', path);
        const pool = res.headers.get('x-openib-read-pool') ?? 'none';
        result.reportPools[pool] = (result.reportPools[pool] ?? 0) + 1;
      }
      done += 1;
      if (midway && !during && done >= total / 2) during = midway();
    }
  };
  await Promise.all(Array.from({ length: size.lanes }, (_, l) => lane(l)));
  result.seconds = (performance.now() - started) / 1000;
  await during;
  return result;
}

async function until(what: string, condition: () => Promise<boolean>, seconds: number) {
  const deadline = Date.now() + seconds * 1000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const one = async <T>(db: Database, sql: string, params: unknown[] = []) => (await db.query<T>(sql, params))[0];

/** Waits until the workers have computed every commission and delivered every webhook. */
export async function settled(db: Database, seconds = 120) {
  await until(
    'the workers have read every event and delivered every webhook',
    async () =>
      (
        await one<{ done: boolean }>(
          db,
          `SELECT NOT EXISTS (SELECT 1 FROM events e, commission_event_position p WHERE (e.txid, e.id) > (p.last_txid, p.last_event_id))
              AND NOT EXISTS (SELECT 1 FROM commission_dirty_cells)
              AND NOT EXISTS (SELECT 1 FROM events e, webhook_fanout f WHERE (e.txid, e.id) > (f.last_txid, f.last_event_id))
              AND NOT EXISTS (SELECT 1 FROM webhook_messages WHERE status = 'pending')
              AND NOT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                              WHERE l.locktype = 'advisory' AND l.objid = 727202 AND l.granted AND d.datname = current_database()) AS done`,
        )
      ).done,
    seconds,
  );
}

export interface ClusterFindings {
  missing: { customers: number; transactions: number; deals: number; activity: number };
  ledgerDrift: { entries: number; reversed: number; released: number; sample: unknown[] } | undefined;
  ledgerEntries: number;
  webhooks: {
    received: number;
    distinct: number;
    delivered: number;
    /** Ids that arrived more than once: the same message sent again (at-least-once after a worker died mid-batch). */
    repeated: number;
    /** Ids that arrived with different bodies: two messages sharing an id (never allowed). */
    conflicting: number;
  };
}

export async function findings(cluster: Cluster, load: LoadResult): Promise<ClusterFindings> {
  const { db } = cluster;
  const count = async (sql: string, ids: string[]) => (await one<{ n: number }>(db, sql, [ids])).n;
  const missing = {
    customers: load.customers.length - (await count('SELECT count(*)::int AS n FROM customers WHERE customer_id = ANY($1::text[])', load.customers)),
    transactions: load.transactions.length - (await count('SELECT count(*)::int AS n FROM transactions WHERE transaction_id = ANY($1::text[])', load.transactions)),
    deals: load.deals.length - (await count('SELECT count(*)::int AS n FROM deals WHERE deal_id = ANY($1::text[])', load.deals)),
    activity: load.activity - (await count(`SELECT count(*)::int AS n FROM trading_activity WHERE date = '2026-03-04' AND customer_id = ANY($1::text[])`, load.customers)),
  };
  const now = new Date().toISOString();
  const ledgerDrift = await fullRecomputationDelta(db, now, businessDate(now, 'UTC'));
  const { n: ledgerEntries } = await one<{ n: number }>(db, 'SELECT count(*)::int AS n FROM ledger_entries');
  const { n: delivered } = await one<{ n: number }>(db, `SELECT count(*)::int AS n FROM webhook_messages WHERE status = 'delivered'`);
  const received = cluster.receiver.received;
  const bodies = new Map<string, Set<string>>();
  const times = new Map<string, number>();
  for (const r of received) {
    bodies.set(r.id, (bodies.get(r.id) ?? new Set()).add(r.body));
    times.set(r.id, (times.get(r.id) ?? 0) + 1);
  }
  return {
    missing,
    ledgerDrift,
    ledgerEntries,
    webhooks: {
      received: received.length,
      distinct: bodies.size,
      delivered,
      repeated: [...times.values()].filter((n) => n > 1).length,
      conflicting: [...bodies.values()].filter((b) => b.size > 1).length,
    },
  };
}

/** A fresh token sends limit + extra requests through the load balancer: how many were let through. */
export async function limitProbe(cluster: Cluster, world: World, extra = 20): Promise<{ allowed: number; refused: number }> {
  const token = await fetch(`${cluster.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: world.readerId, client_secret: world.readerSecret }),
  }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
  let allowed = 0;
  let refused = 0;
  const send = async () => {
    const res = await fetch(`${cluster.url}/api/v1/fx-rates`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (res.status === 429) refused += 1;
    else if (res.ok) allowed += 1;
    else throw new Error(`limit probe answered ${res.status}`);
  };
  const queue = Array.from({ length: cluster.rateLimitPerMinute + extra }, () => send);
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let job = queue.pop(); job; job = queue.pop()) await job();
  }));
  return { allowed, refused };
}
