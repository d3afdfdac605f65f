import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BACKEND } from '../../test/helpers/database.ts';
import { type Receiver, startReceiver } from '../../test/helpers/receiver.ts';
import { startWebhookWorld, type WebhookWorld } from '../../test/helpers/webhooks.ts';
import { type Database, openDatabase } from '../db/index.ts';
import { startWorkers, type Workers } from '../worker/runner.ts';
import { claimLanes } from './claim.ts';
import { deliverLane } from './deliver.ts';
import { webhookDeps } from './deps.ts';
import { fanOut } from './fanout.ts';
import { createHttpClient } from './http-client.ts';
import { webhookDeliveryTask } from './task.ts';

// No workers in the server: each test starts the ones it needs.
let w: WebhookWorld;
const opened: Database[] = [];
beforeAll(async () => {
  // Lanes of ten, so that a few dozen messages make several lanes.
  w = await startWebhookWorld({ OPENIB_WEBHOOK_ENDPOINT_BATCH: '10' }, { role: 'api' });
});
// Each test's endpoints go with it, so a failed test does not leave its messages to the next.
afterEach(async () => {
  await w.t.server.ctx.db.query('DELETE FROM webhook_endpoints');
});
afterAll(async () => {
  for (const db of opened) await db.close();
  await w.stop();
});

/**
 * A worker as another process would run it: on its own connections when the backend allows it.
 * `busyRounds` counts its rounds that found work.
 */
async function worker(): Promise<Workers & { busyRounds: () => number }> {
  const { ctx } = w.t.server;
  let db = ctx.db;
  if (ctx.config.databaseUrl) {
    db = await openDatabase({ url: ctx.config.databaseUrl, poolSize: 4 });
    opened.push(db);
  }
  const task = webhookDeliveryTask();
  let busy = 0;
  const counted = { ...task, run: async (c: Parameters<typeof task.run>[0]) => ((await task.run(c)) ? ++busy > 0 : false) };
  const workers = await startWorkers({ db, config: ctx.config }, [counted], { clock: w.clock, intervalMs: ctx.config.workerIntervalMs });
  return { ...workers, busyRounds: () => busy };
}

async function endpointAt(receiver: Receiver, prefix: string) {
  const { id } = await w.endpoint({ url: `${receiver.url}/${prefix}`, event_types: ['customer.registered'] });
  return id;
}

/** Waits until no message is pending: each worker's idle() alone may resolve while the other still sends. */
async function drain(...workers: Workers[]) {
  for (let i = 0; i < 100; i++) {
    await Promise.all(workers.map((x) => x.idle()));
    const [{ n }] = await w.t.server.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_messages WHERE status = 'pending'`);
    if (n === 0) return;
  }
  throw new Error('messages still pending');
}

const customers = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ customer_id: `${prefix}-${i}` }));
const only = (r: Receiver, prefix: string) => r.received.filter((q) => q.path === `/${prefix}`);

describe('workers side by side', () => {
  it('two workers at once deliver each message once per endpoint', async () => {
    const a = await startReceiver(() => ({ status: 200, delayMs: Math.floor(Math.random() * 3) }));
    const b = await startReceiver(() => ({ status: 200, delayMs: Math.floor(Math.random() * 3) }));
    const ids = [await endpointAt(a, 'two'), await endpointAt(b, 'two')];
    const [w1, w2] = [await worker(), await worker()];
    await w.register(customers('TW', 150));
    await drain(w1, w2);
    await Promise.all([w1.stop(), w2.stop()]);
    // 300 messages in lanes of ten: both workers had their share.
    expect(w1.busyRounds()).toBeGreaterThan(1);
    expect(w2.busyRounds()).toBeGreaterThan(1);
    for (const r of [a, b]) {
      expect(only(r, 'two')).toHaveLength(150);
      expect(new Set(only(r, 'two').map((q) => q.id)).size).toBe(150);
    }
    for (const id of ids) {
      const log = await w.get(`/api/v1/webhooks/attempts?endpoint_id=${id}&per_page=500`);
      expect(log.meta.total).toBe(150);
      expect(log.data.every((x: { outcome: string }) => x.outcome === 'delivered')).toBe(true);
      await w.t.call('DELETE', `/api/v1/webhooks/endpoints/${id}`, { token: w.admin });
    }
    await a.close();
    await b.close();
  });

  it('a worker that dies after sending part of a batch loses nothing: the rest is sent once its lease runs out', async () => {
    const r = await startReceiver();
    const id = await endpointAt(r, 'crash');
    await w.register(customers('CR', 25));
    // The dying worker: claims a lane, sends four of its ten messages, never records anything.
    const { ctx } = w.t.server;
    const deps = webhookDeps(ctx);
    // Another database's open transaction on the same server can hold the events back for a moment.
    while ((await fanOut(ctx.db, w.clock.now())).heldBack) await new Promise((res) => setTimeout(res, 10));
    const [lane] = await claimLanes(ctx.db, { now: w.clock.now(), lanes: 1, perEndpoint: 10, breakerAfter: 5, leaseMs: 90_000, busy: [] });
    expect(lane.messages).toHaveLength(10);
    const http = createHttpClient();
    const env = { http, clock: w.clock, policy: deps.policy(), timeoutMs: 2000, responseLimitBytes: 100 };
    await deliverLane({ ...lane, messages: lane.messages.slice(0, 4) }, env);
    http.close();
    expect(only(r, 'crash')).toHaveLength(4);

    const survivor = await worker();
    await survivor.idle();
    expect(only(r, 'crash')).toHaveLength(4 + 15); // the claimed ten wait for the lease
    w.clock.advance(91_000);
    await survivor.idle();
    await survivor.stop();
    const got = only(r, 'crash');
    expect(got).toHaveLength(29); // the four sent before the crash arrive twice…
    expect(new Set(got.map((q) => q.id)).size).toBe(25); // …with the same webhook-id, so receivers can drop them
    const { data } = await w.get(`/api/v1/webhooks/endpoints/${id}/deliveries?per_page=100`);
    expect(data.every((m: { status: string }) => m.status === 'delivered')).toBe(true);
    await w.t.call('DELETE', `/api/v1/webhooks/endpoints/${id}`, { token: w.admin });
    await r.close();
  });

  it('a lane that has spent its time budget hands the rest of its messages back unsent', async () => {
    // Each answer takes 150 ms on the workers' clock (moved by the receiver, not by the machine's speed).
    const r = await startReceiver(() => {
      w.clock.advance(150);
      return { status: 200 };
    });
    const id = await endpointAt(r, 'budget');
    await w.register(customers('BU', 5));
    const { ctx } = w.t.server;
    while ((await fanOut(ctx.db, w.clock.now())).heldBack) await new Promise((res) => setTimeout(res, 10));
    const [lane] = await claimLanes(ctx.db, { now: w.clock.now(), lanes: 1, perEndpoint: 10, breakerAfter: 5, leaseMs: 90_000, busy: [] });
    expect(lane.messages).toHaveLength(5);
    const http = createHttpClient();
    const result = await deliverLane(lane, { http, clock: w.clock, policy: webhookDeps(ctx).policy(), timeoutMs: 2000, budgetMs: 200, responseLimitBytes: 100 });
    http.close();
    // Sent at 0 ms and at 150 ms; at 300 ms the budget is spent.
    expect(result.attempts.map((a) => a.outcome)).toEqual(['delivered', 'delivered']);
    expect(result.unsent.map((m) => m.id)).toEqual(lane.messages.slice(2).map((m) => m.id));
    await w.t.call('DELETE', `/api/v1/webhooks/endpoints/${id}`, { token: w.admin });
    await r.close();
  });

  // A real worker process killed with SIGKILL in the middle of a batch (needs a server database).
  it.skipIf(TEST_BACKEND !== 'postgres')('a worker process killed mid-batch loses nothing', { timeout: 60_000 }, async () => {
    let hang = true;
    const r = await startReceiver(() => (hang ? 'hang' : { status: 200 }));
    const id = await endpointAt(r, 'kill');
    await w.register(customers('KL', 25));
    const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, [main, 'start', '--role=worker'], {
      env: {
        ...process.env,
        DATABASE_URL: w.t.server.ctx.config.databaseUrl,
        // The same key ring as the server's: it opens the endpoint's signing secret.
        OPENIB_ENCRYPTION_KEYS: w.t.server.ctx.config.keys.keys ?? '',
        OPENIB_DEMO: '0',
        OPENIB_OUTBOUND_ALLOWLIST: '127.0.0.1/32',
        OPENIB_WEBHOOK_TIMEOUT_MS: '30000',
        OPENIB_WEBHOOK_ENDPOINT_BATCH: '10',
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    for (let i = 0; i < 400 && only(r, 'kill').length === 0; i++) await new Promise((res) => setTimeout(res, 50));
    expect(only(r, 'kill')).toHaveLength(1); // the worker is waiting for its first answer
    child.kill('SIGKILL');
    await exited;
    hang = false;
    // The dead worker queued the messages on the real clock; the survivor's clock must not lag behind it.
    w.clock.set(Math.max(Date.now() + 1000, w.clock.now().getTime()));

    const survivor = await worker();
    await survivor.idle();
    expect(new Set(only(r, 'kill').map((q) => q.id)).size).toBe(16); // all but the dead worker's lane
    w.clock.advance(5_000 + 30_000 + 61_000); // that lane's lease: its budget, one timeout and a minute
    await survivor.idle();
    await survivor.stop();
    expect(new Set(only(r, 'kill').map((q) => q.id)).size).toBe(25);
    const { data } = await w.get(`/api/v1/webhooks/endpoints/${id}/deliveries?per_page=100`);
    expect(data.every((m: { status: string }) => m.status === 'delivered')).toBe(true);
    await r.close();
  });
});
