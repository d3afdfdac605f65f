import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchStream, type ScratchStream } from '../../../test/helpers/nats.ts';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { type FeedOptions, runFeedOnce } from './feed.ts';

let t: TestServer;
let token: string;
let s: ScratchStream;
let opts: FeedOptions;
let dead: string[] = [];
beforeAll(async () => {
  s = await scratchStream();
  t = await startTestServer();
  token = await t.token(['admin']);
  opts = { url: 'nats://127.0.0.1:4222', stream: s.stream, subjects: [`${s.prefix}.>`], consumer: 'openib-test', deadLetterSubject: s.deadLetterSubject, maxDeliver: 3 };
  s.nc.subscribe(s.deadLetterSubject, {
    callback: (_e, m) => {
      dead.push(m.string());
    },
  });
  // The feed creates the stream and the consumer on first use.
  await runFeedOnce(t.server.ctx, opts, { expiresMs: 1000 });
});
afterAll(async () => {
  await t?.stop();
  await s?.drop();
});

const publish = async (entity: string, body: unknown) => jetstream(s.nc).publish(`${s.prefix}.${entity}`, typeof body === 'string' ? body : JSON.stringify(body));
const customer = (id: string) => ({ customer_id: id, signup_date: '2026-03-01T00:00:00Z', affiliate_id: 'IB-1' });
const ids = async (path: string, key: string) => (await t.call('GET', `${path}?per_page=500`, { token })).body.data.map((r: Record<string, string>) => r[key]);
const events = async (type: string) => (await t.call('GET', `/api/v1/events?type=${type}&limit=1000`, { token })).body.data.length;
const consumerInfo = async () => (await jetstreamManager(s.nc)).consumers.info(s.stream, 'openib-test');

describe('NATS JetStream queue feed', () => {
  it('applies single records and batch envelopes, acknowledging each after its commit', async () => {
    await publish('customers', { metadata: { source: 'dwh', batch_id: 'b-1', entity: 'customer' }, data: [customer('Q-1'), customer('Q-2'), customer('Q-3')] });
    await publish('x', { entity: 'transaction', record: { transaction_id: 'QT-1', customer_id: 'Q-1', transaction_type: 'deposit', amount: '100', currency: 'USD', transaction_date: '2026-03-01T10:00:00Z', status: 'approved' } });
    await publish('deals', { record: { deal_id: 'QD-1', customer_id: 'Q-2', symbol: 'EURUSD', side: 'buy', lots: '0.5', close_time: '2026-03-01T11:00:00Z', currency: 'USD' } });
    expect(await runFeedOnce(t.server.ctx, opts, { expiresMs: 1000 })).toEqual({ acked: 3, deadLettered: 0, retried: 0 });
    expect(await ids('/api/v1/forex/customers', 'customer_id')).toEqual(['Q-1', 'Q-2', 'Q-3']);
    expect(await ids('/api/v1/forex/transactions', 'transaction_id')).toEqual(['QT-1']);
    expect(await ids('/api/v1/forex/trading-activity', 'instrument')).toEqual(['EURUSD']);
    const info = await consumerInfo();
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  it('does not acknowledge a message whose transaction did not commit: it comes back and is stored once', async () => {
    await publish('customers', { entity: 'customer', record: customer('Q-4') });
    let crashes = 0;
    const crashOnce = { beforeCommit: () => { if (crashes++ === 0) throw new Error('worker died before commit'); } };
    expect(await runFeedOnce(t.server.ctx, opts, { expiresMs: 1000, hooks: crashOnce })).toEqual({ acked: 0, deadLettered: 0, retried: 1 });
    expect(await ids('/api/v1/forex/customers', 'customer_id')).not.toContain('Q-4');
    expect((await consumerInfo()).num_ack_pending).toBe(1);
    await new Promise((r) => setTimeout(r, 1200)); // the nak's backoff
    expect(await runFeedOnce(t.server.ctx, opts, { expiresMs: 2000, hooks: crashOnce })).toEqual({ acked: 1, deadLettered: 0, retried: 0 });
    expect(await ids('/api/v1/forex/customers', 'customer_id')).toContain('Q-4');
    expect((await consumerInfo()).num_ack_pending).toBe(0);
  });

  it('makes redelivery harmless: a batch id seen before is skipped, a repeated record changes nothing', async () => {
    const before = await events('customer.registered');
    await publish('customers', { metadata: { source: 'dwh', batch_id: 'b-1', entity: 'customer' }, data: [customer('Q-1'), customer('Q-2'), customer('Q-3')] });
    await publish('customers', { entity: 'customer', record: customer('Q-4') });
    expect(await runFeedOnce(t.server.ctx, opts, { expiresMs: 1000 })).toEqual({ acked: 2, deadLettered: 0, retried: 0 });
    expect(await events('customer.registered')).toBe(before);
    expect(await events('customer.updated')).toBe(0);
  });

  it('dead-letters poison messages with the reason and lets the messages after them flow', async () => {
    dead = [];
    await publish('customers', '{"entity": "customer", "record": ');
    await publish('partners', { entity: 'partner', record: { id: 1 } });
    await publish('customers', { metadata: { source: 'dwh', batch_id: 'b-bad', entity: 'customer' }, data: [customer('Q-5'), { customer_id: 'Q-6' }] });
    await publish('customers', { entity: 'customer', record: customer('Q-7') });
    expect(await runFeedOnce(t.server.ctx, opts, { expiresMs: 1000 })).toEqual({ acked: 1, deadLettered: 3, retried: 0 });
    const stored = await ids('/api/v1/forex/customers', 'customer_id');
    expect(stored).toContain('Q-7');
    expect(stored).not.toContain('Q-5'); // a batch is atomic, like a data API batch
    const letters = (await t.call('GET', `/api/v1/connectors/dead-letters?source=nats:${s.stream}`, { token })).body.data;
    expect(letters.map((l: { error: string }) => l.error)).toEqual([
      expect.stringMatching(/not valid JSON/),
      expect.stringMatching(/nothing was stored/),
      expect.stringMatching(/nothing was stored/),
    ]);
    expect(letters[1].details).toEqual([{ field: 'entity', reason: expect.stringMatching(/"partner" is not an entity/) }]);
    expect(letters[2]).toMatchObject({ event_key: 'batch:b-bad', details: [{ index: 1, field: 'signup_date', reason: 'is required' }, { index: 1, field: 'affiliate_id', reason: 'is required' }] });
    await new Promise((r) => setTimeout(r, 100));
    expect(dead).toHaveLength(3);
    expect(JSON.parse(dead[1])).toMatchObject({ stream: s.stream, error: expect.any(String), details: [{ field: 'entity' }] });
    const info = await consumerInfo();
    expect(info.num_ack_pending + info.num_pending).toBe(0);
    const status = (await t.call('GET', '/api/v1/connectors', { token })).body.data.find((c: { kind: string }) => c.kind === 'nats');
    expect(status).toMatchObject({ records_rejected: 4, cursor: { stream_sequence: expect.any(Number), pending: 0, ack_pending: 0 } });
  });
});
