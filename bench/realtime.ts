/**
 * Real-time rebates: a sustained stream of closed deals through `POST /api/v1/forex/deals` while a
 * backfill of daily activity runs beside it, on one `openib start` process (API and workers) on
 * PostgreSQL. For every deal: from the moment its batch is accepted to the moment a signed
 * `commission.approved` webhook naming it reaches a receiver on this machine (the deal's ledger
 * entry is committed in between). The in-run baseline is the same API's answer time for the
 * same deal batches: what the broker already waits for.
 */
import { createServer } from 'node:http';
import pg from 'pg';
import type { AddressInfo } from 'node:net';
import { type BenchOptions, type BenchRow, percentile } from './lib.ts';
import { scratchDatabase, startServerProcess } from './server-process.ts';

const SUITE = 'realtime';

async function receiver() {
  const firstSeen = new Map<string, number>();
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      requests++;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; data: { deal_ids?: string[] } };
        if (req.headers['webhook-signature'] && body.type === 'commission.approved') for (const d of body.data.deal_ids ?? []) if (!firstSeen.has(d)) firstSeen.set(d, at);
      } catch {
        /* not ours */
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    firstSeen,
    requests: () => requests,
    close: () => new Promise<void>((r) => server.close(() => r())).finally(() => server.closeAllConnections()),
  };
}

export async function realtimeBench(opts: BenchOptions): Promise<BenchRow[]> {
  const size = opts.quick ? { partners: 10, customers: 200, seconds: 3, dealsPerSecond: 100, backfillRows: 200 } : { partners: 100, customers: 5000, seconds: 30, dealsPerSecond: 500, backfillRows: 1000 };
  const scratch = await scratchDatabase(opts.postgresUrl, 'realtime');
  const sink = await receiver();
  const server = await startServerProcess({ DATABASE_URL: scratch.url, OPENIB_OUTBOUND_ALLOWLIST: '127.0.0.1/32' });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  try {
    await call('POST', '/api/v1/plans', {
      plan_id: 'rt', name: 'Real time', currency: 'USD',
      rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '6' }, { symbol: 'XAUUSD', rate: '8' }] }],
      hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1' }, { level: 2, per_lot: '0.5' }] },
      effective_from: '2020-01-01',
    });
    const partners: string[] = [];
    for (let i = 0; i < size.partners; i++) {
      const parent = i === 0 ? undefined : partners[Math.floor((i - 1) / 5)];
      const p = await call('POST', '/api/v1/partners', { name: `RT ${i}`, affiliate_id: `RT-${i}`, ...(parent ? { parent_id: parent } : {}) });
      partners.push(p.partner_id ?? p.data?.partner_id);
      await call('POST', `/api/v1/partners/${partners[i]}/plan`, { plan_id: 'rt', effective_from: '2020-01-01' });
    }
    for (let from = 0; from < size.customers; from += 1000)
      await call('POST', '/api/v1/forex/customers', Array.from({ length: Math.min(1000, size.customers - from) }, (_, k) => ({
        customer_id: `rt-${from + k}`, signup_date: '2026-01-02T10:00:00Z', affiliate_id: `RT-${(from + k) % size.partners}`, kyc_status_id: 'approved',
      })));
    await call('POST', '/api/v1/webhooks/endpoints', { url: `${sink.url}/hook`, event_types: ['commission.approved'] });

    // The backfill: one batch after another of older daily activity, for as long as the stream runs.
    let streaming = true;
    let backfilled = 0;
    const backfill = (async () => {
      for (let d = 0; streaming; d++) {
        const date = new Date(Date.UTC(2026, 9, 1) + (d % 60) * 86_400_000).toISOString().slice(0, 10);
        const start = (d * size.backfillRows) % size.customers;
        await call('POST', '/api/v1/forex/trading-activity', Array.from({ length: size.backfillRows }, (_, k) => ({
          date, customer_id: `rt-${(start + k) % size.customers}`, instrument: 'EURUSD', currency: 'USD', lots_traded: String(1 + (k % 5)), volume_usd: '100000', spread_cost: '7', commission: '0', pnl: '-1',
        })));
        backfilled += size.backfillRows;
      }
    })();

    // The stream: every 100 ms a batch of deals closed just now, each deal of its own customer.
    const accepted = new Map<string, number>();
    const answers: number[] = [];
    const tick = 100;
    const perTick = Math.max(1, Math.round((size.dealsPerSecond * tick) / 1000));
    const started = Date.now();
    let n = 0;
    const inFlight: Promise<void>[] = [];
    for (let t = 0; Date.now() - started < size.seconds * 1000; t++) {
      const due = started + t * tick;
      if (Date.now() < due) await new Promise((r) => setTimeout(r, due - Date.now()));
      const now = Date.now();
      const batch = Array.from({ length: perTick }, () => {
        const i = n++;
        return { deal_id: `RT-D-${i}`, customer_id: `rt-${(i * 7919) % size.customers}`, symbol: i % 4 ? 'EURUSD' : 'XAUUSD', currency: 'USD', side: ((i * 7919) % size.customers) % 2 ? 'buy' : 'sell', lots: '0.1', open_time: new Date(now - 600_000 - i).toISOString(), close_time: new Date(now - i % 1000).toISOString() };
      });
      inFlight.push(
        (async () => {
          const sent = Date.now();
          await call('POST', '/api/v1/forex/deals', batch);
          const at = Date.now();
          answers.push(at - sent);
          for (const d of batch) accepted.set(d.deal_id, at);
        })(),
      );
    }
    await Promise.all(inFlight);
    const sentSeconds = (Date.now() - started) / 1000;
    streaming = false;
    await backfill;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && [...accepted.keys()].some((d) => !sink.firstSeen.has(d))) await new Promise((r) => setTimeout(r, 50));
    // Where the time goes: the engine (deal accepted → the transaction that credits it began), the
    // webhook fan-out (event → message) and the delivery (message → accepted by the receiver).
    const stage: Record<string, number[]> = { engine: [], fanout: [], deliver: [], freshRuns: [], backfillRuns: [] };
    {
      const c = new pg.Client({ connectionString: scratch.url });
      await c.connect();
      const ev = await c.query(`SELECT e.occurred_at, e.data->'deal_ids' AS deals, m.created_at, m.delivered_at FROM events e JOIN webhook_messages m ON m.event_seq = e.id WHERE e.type = 'commission.approved'`);
      // A deal is named again by later events of its fact: its crediting run is the first event naming it.
      const credited = new Map<string, number>();
      for (const r of ev.rows) {
        for (const d of r.deals ?? []) if (accepted.has(d)) credited.set(d, Math.min(credited.get(d) ?? Infinity, new Date(r.occurred_at).getTime()));
        stage.fanout.push(new Date(r.created_at).getTime() - new Date(r.occurred_at).getTime());
        if (r.delivered_at) stage.deliver.push(new Date(r.delivered_at).getTime() - new Date(r.created_at).getTime());
      }
      for (const [d, at] of credited) stage.engine.push(at - (accepted.get(d) as number));
      // The engine's runs while the stream ran: those of fresh cells (today, yesterday) and the backfill's.
      const runs = await c.query(
        `SELECT date_from >= current_date - 1 AS fresh, extract(epoch FROM finished_at - started_at) * 1000 AS ms FROM commission_runs
         WHERE finished_at IS NOT NULL AND started_at >= to_timestamp($1 / 1000.0) AND trigger = 'events'`,
        [started],
      );
      for (const r of runs.rows) (r.fresh ? stage.freshRuns : stage.backfillRuns).push(Number(r.ms));
      for (const v of Object.values(stage)) v.sort((a, b) => a - b);
      await c.end();
    }
    const latencies = [...accepted].filter(([d]) => sink.firstSeen.has(d)).map(([d, at]) => (sink.firstSeen.get(d) as number) - at).sort((a, b) => a - b);
    const missing = accepted.size - latencies.length;
    const sortedAnswers = answers.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    const base = { metric: 'the deals POST answer time (p99), same batches', value: percentile(sortedAnswers, 99), unit: 'ms' };
    return [
      { suite: SUITE, metric: `closed deals streamed (${perTick} per POST every ${tick} ms) beside an activity backfill of ${Math.round(backfilled / sentSeconds).toLocaleString('en-US')} rows/s`, value: accepted.size / sentSeconds, unit: 'deals/s', goal: `≥ ${size.dealsPerSecond} deals/s`, met: accepted.size / sentSeconds >= size.dealsPerSecond * 0.95 },
      { suite: SUITE, metric: 'deal accepted → signed commission.approved naming it received, p50', value: percentile(latencies, 50), unit: 'ms' },
      { suite: SUITE, metric: 'deal accepted → signed commission.approved naming it received, p99', value: p99, unit: 'ms', baseline: base, goal: 'p99 < 2 s', met: p99 < 2000 && missing === 0 },
      ...(['engine', 'fanout', 'deliver'] as const).map((k) => ({
        suite: SUITE,
        metric: `  of which ${{ engine: 'deal accepted → crediting run began', fanout: 'commission.approved → webhook message', deliver: 'webhook message → delivered' }[k]}, p99`,
        value: percentile(stage[k], 99),
        unit: 'ms',
      })),
      ...(['freshRuns', 'backfillRuns'] as const).map((k) => ({
        suite: SUITE,
        metric: `  engine runs of ${k === 'freshRuns' ? "today's and yesterday's cells" : 'the backfill'}: ${stage[k].length}, duration p99`,
        value: stage[k].length ? percentile(stage[k], 99) : 0,
        unit: 'ms',
      })),
      { suite: SUITE, metric: 'deals never named by a webhook within 2 minutes', value: missing, unit: 'deals', goal: 'none', met: missing === 0 },
    ];
  } finally {
    await server.stop();
    await sink.close();
    await scratch.drop();
  }
}
