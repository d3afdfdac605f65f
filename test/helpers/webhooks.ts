import { appendEvents, type NewEvent } from '../../src/events/outbox.ts';
import type { ServerOptions } from '../../src/server.ts';
import { ManualClock } from '../../src/worker/clock.ts';
import { startTestServer, type TestServer } from './server.ts';

/** A test server whose background work runs on a ManualClock, with shortcuts for webhook tests. */
export interface WebhookWorld {
  t: TestServer;
  clock: ManualClock;
  admin: string;
  /** Waits until the workers have nothing left to do at the clock's current time. */
  settle(): Promise<void>;
  /** Moves the clock forward, then settles. */
  advance(ms: number): Promise<void>;
  /** Creates a webhook endpoint; answers the API's body (with the secret). */
  endpoint(body: Record<string, unknown>): Promise<any>;
  /** Registers customers through the data API (customer.registered events). */
  register(customers: Record<string, unknown>[]): Promise<void>;
  /** Writes events straight to the outbox, for types no area produces yet. */
  emit(events: NewEvent[]): Promise<void>;
  /** Stores bare top-level partners under these exact partner ids (tests emit events naming them). */
  partners(...ids: string[]): Promise<void>;
  get(path: string): Promise<any>;
  stop(): Promise<void>;
}

export const WEBHOOK_TEST_ENV = {
  OPENIB_OUTBOUND_ALLOWLIST: '127.0.0.1/32',
  OPENIB_WEBHOOK_TIMEOUT_MS: '2000',
  OPENIB_WORKER_INTERVAL_MS: '20',
};

export async function startWebhookWorld(env: Record<string, string> = {}, opts: Omit<ServerOptions, 'logger' | 'clock'> = {}): Promise<WebhookWorld> {
  const clock = new ManualClock();
  const t = await startTestServer({ ...WEBHOOK_TEST_ENV, ...env }, { ...opts, clock });
  const admin = await t.token();
  const settle = async () => {
    await t.server.workers?.idle();
  };
  return {
    t,
    clock,
    admin,
    settle,
    async advance(ms) {
      clock.advance(ms);
      await settle();
    },
    async endpoint(body) {
      const res = await t.call('POST', '/api/v1/webhooks/endpoints', { token: admin, body });
      if (res.status !== 201) throw new Error(`endpoint not created: ${res.status} ${res.text}`);
      return res.body;
    },
    async register(customers) {
      const body = customers.map((c) => ({ signup_date: '2026-03-01T10:00:00Z', affiliate_id: '', ...c }));
      const res = await t.call('POST', '/api/v1/forex/customers', { token: admin, body });
      if (res.status !== 200) throw new Error(`customers not stored: ${res.status} ${res.text}`);
    },
    async emit(events) {
      await t.server.ctx.db.transaction((tx) => appendEvents(tx, events));
    },
    async partners(...ids) {
      await t.server.ctx.db.query(
        `INSERT INTO partners (partner_id, affiliate_id, referral_code, name)
         SELECT id, 'AFF-' || id, 'ref-' || lower(id), 'Partner ' || id FROM unnest($1::text[]) AS id
         ON CONFLICT (partner_id) DO NOTHING`,
        [ids],
      );
    },
    async get(path) {
      const res = await t.call('GET', path, { token: admin });
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
      return res.body;
    },
    stop: () => t.stop(),
  };
}
