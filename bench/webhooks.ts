import { randomBytes } from 'node:crypto';
/**
 * Webhook delivery throughput: events in the outbox → signed POSTs accepted by a local receiver,
 * on a scratch PostgreSQL database. The in-run baseline is the same receiver driven by a plain
 * keep-alive HTTP client with the same parallelism and no database: the ceiling of this machine.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { appendEvents } from '../src/events/outbox.ts';
import { systemClock } from '../src/worker/clock.ts';
import { startWorkers } from '../src/worker/runner.ts';
import { webhookDeps } from '../src/webhooks/deps.ts';
import { createEndpoint } from '../src/webhooks/endpoints.ts';
import { createHttpClient } from '../src/webhooks/http-client.ts';
import { checkOutboundUrl } from '../src/webhooks/outbound-url.ts';
import { newSigningSecret } from '../src/webhooks/secrets.ts';
import { webhookDeliveryTask } from '../src/webhooks/task.ts';
import { scratchDatabase } from './server-process.ts';
import type { BenchOptions, BenchRow, BenchSuite } from './lib.ts';
import { installKeyRing, keyRingOf } from '../src/shared/keyring.ts';

const SUITE = 'webhooks';

async function receiver() {
  const ids = new Set<string>();
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      ids.add(String(req.headers['webhook-id'] ?? requests));
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ids,
    requests: () => requests,
    reset() {
      ids.clear();
      requests = 0;
    },
    close: () => new Promise<void>((r) => server.close(() => r())).finally(() => server.closeAllConnections()),
  };
}

/** Plain keep-alive POSTs of a webhook-sized body, `streams` in parallel, each one after another. */
async function rawHttp(url: string, total: number, streams: number): Promise<number> {
  const http = createHttpClient();
  const check = await checkOutboundUrl(url, { allowPrivate: true, allowlist: [] });
  if (!check.ok) throw new Error(check.reason);
  const body = JSON.stringify({ type: 'customer.registered', id: 'x', timestamp: new Date().toISOString(), version: 1, data: { n: 1 } });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: streams }, async () => {
      while (next < total) {
        next++;
        await http.send({ target: check.target, method: 'POST', headers: { 'content-type': 'application/json' }, body, timeoutMs: 10_000, maxBodyBytes: 1024 });
      }
    }),
  );
  http.close();
  return total / ((performance.now() - started) / 1000);
}

function signingRate(n: number): number {
  const signer = new Webhook(newSigningSecret());
  const body = JSON.stringify({ type: 'customer.registered', data: { customer: { customer_id: 'C-1', affiliate_id: 'IB-1' } } });
  const started = performance.now();
  for (let i = 0; i < n; i++) signer.sign(`msg_${i}`, new Date(), body);
  return n / ((performance.now() - started) / 1000);
}

/** Appends `events` events, starts `workers` worker loops and times until every message is accepted. */
async function deliveryRun(db: Database, extraDbs: Database[], config: ReturnType<typeof loadConfig>, events: number, expected: number, sink: Awaited<ReturnType<typeof receiver>>) {
  sink.reset();
  const batch = 1000;
  for (let done = 0; done < events; done += batch) {
    const n = Math.min(batch, events - done);
    await db.transaction((tx) =>
      appendEvents(
        tx,
        Array.from({ length: n }, (_, i) => ({ type: 'customer.registered', subjectType: 'customer', subjectId: `B-${done + i}`, data: { customer_id: `B-${done + i}`, affiliate_id: 'IB-1' } })),
      ),
    );
  }
  const started = performance.now();
  const runners = await Promise.all([db, ...extraDbs].map((d) => startWorkers({ db: d, config }, [webhookDeliveryTask()], { intervalMs: 20 })));
  while (sink.ids.size < expected && performance.now() - started < 300_000) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(runners.map((r) => r.stop()));
  if (sink.ids.size < expected) throw new Error(`only ${sink.ids.size} of ${expected} messages arrived`);
  return { rate: expected / seconds, duplicates: sink.requests() - sink.ids.size };
}

export const webhooksBench: BenchSuite = async (opts: BenchOptions): Promise<BenchRow[]> => {
  const events = opts.quick ? 100 : 2500;
  const endpoints = 4;
  const expected = events * endpoints;
  const scratch = await scratchDatabase(opts.postgresUrl, 'webhooks');
  const sink = await receiver();
  const keys = `bench:${randomBytes(32).toString('base64url')}`;
  const config = loadConfig({ DATABASE_URL: scratch.url, OPENIB_ENCRYPTION_KEYS: keys, OPENIB_OUTBOUND_ALLOWLIST: '127.0.0.1/32', OPENIB_DEMO: '0' });
  // Endpoint secrets are sealed with the process's key ring, which openPlatform would install.
  installKeyRing(keyRingOf(keys));
  const db = await openDatabase({ url: scratch.url, poolSize: 10 });
  const second = await openDatabase({ url: scratch.url, poolSize: 10 });
  try {
    await migrate(db);
    const deps = webhookDeps({ db, config, clock: systemClock });
    // One endpoint first (a CRM's single receiver: its messages go one after another, in event order).
    const single = await createEndpoint(deps, { url: `${sink.url}/hook/single` });
    const singleBaseline = await rawHttp(sink.url, events, 1);
    const lone = await deliveryRun(db, [], config, events, events, sink);
    await db.query('UPDATE webhook_endpoints SET enabled = false WHERE id = $1', [single.id]);
    for (let i = 0; i < endpoints; i++) await createEndpoint(deps, { url: `${sink.url}/hook/${i}` });

    const baseline = await rawHttp(sink.url, expected, endpoints);
    const one = await deliveryRun(db, [], config, events, expected, sink);
    const two = await deliveryRun(db, [second], config, events, expected, sink);
    const base = { metric: `plain HTTP POSTs, ${endpoints} keep-alive streams, no database`, value: baseline, unit: 'msg/s' };
    return [
      {
        suite: SUITE, metric: `delivered to one endpoint in event order, 1 worker, ${events} events`, value: lone.rate, unit: 'msg/s',
        baseline: { metric: 'plain HTTP POSTs, one keep-alive stream, no database', value: singleBaseline, unit: 'msg/s' },
        goal: '≥ 0.5 × one plain stream', met: lone.rate >= 0.5 * singleBaseline,
      },
      { suite: SUITE, metric: `delivered, 1 worker, ${endpoints} endpoints × ${events} events`, value: one.rate, unit: 'msg/s', baseline: base },
      { suite: SUITE, metric: `delivered, 2 workers side by side, ${endpoints} endpoints × ${events} events`, value: two.rate, unit: 'msg/s', baseline: base },
      { suite: SUITE, metric: 'duplicate deliveries in both runs', value: one.duplicates + two.duplicates, unit: 'requests', goal: 'none without failures', met: one.duplicates + two.duplicates === 0 },
      { suite: SUITE, metric: 'Standard Webhooks signing (standardwebhooks, one core)', value: signingRate(opts.quick ? 2000 : 50_000), unit: 'sig/s' },
    ];
  } finally {
    await second.close();
    await db.close();
    await sink.close();
    await scratch.drop();
  }
};
