import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../../test/helpers/receiver.ts';
import { startWebhookWorld, type WebhookWorld } from '../../test/helpers/webhooks.ts';

// Three attempts (at once, 5 s, 10 s); the circuit opens after two consecutive failures.
let w: WebhookWorld;
let receiver: Receiver;
let up = false;
let endpointId: string;
const since = new Date().toISOString();

beforeAll(async () => {
  w = await startWebhookWorld({ OPENIB_WEBHOOK_RETRY_SCHEDULE: '0,5,10', OPENIB_WEBHOOK_BREAKER_AFTER: '2' });
  receiver = await startReceiver(() => (up ? { status: 200 } : { status: 500, body: 'database down' }));
  endpointId = (await w.endpoint({ url: receiver.url, event_types: ['customer.registered'] })).id;
  await w.register([{ customer_id: 'X-1' }, { customer_id: 'X-2' }, { customer_id: 'X-3' }]);
  await w.settle();
  await w.advance(6_100);
  await w.advance(12_100);
});
afterAll(async () => {
  await w.stop();
  await receiver.close();
});

const post = (path: string, body?: unknown) => w.t.call('POST', path, { token: w.admin, body });
const deadLetters = async () => (await w.get(`/api/v1/webhooks/dead-letters?endpoint_id=${endpointId}`)).data;
const customerOf = (r: Receiver['received'][number]) => JSON.parse(r.body).data.customer.customer_id;

describe('dead letters', () => {
  it('lists messages whose last attempt failed, with the last error', async () => {
    const dead = await deadLetters();
    expect(dead).toHaveLength(3);
    for (const m of dead) {
      expect(m).toMatchObject({ endpoint_id: endpointId, status: 'dead', attempts: 3, next_attempt_at: null });
      expect(m.dead_at).toEqual(expect.any(String));
      expect(m.last_error).toMatch(/^(HTTP 500|circuit open until .* not sent)$/);
    }
    // Only the first two attempts reached the receiver; with the circuit open the rest failed fast.
    expect(receiver.received).toHaveLength(2);
    const endpoint = await w.get(`/api/v1/webhooks/endpoints/${endpointId}`);
    expect(Date.parse(endpoint.circuit_open_until)).toBeGreaterThan(w.clock.now().getTime());
    expect((await w.get('/api/v1/webhooks/dead-letters?kind=postback')).data).toHaveLength(0);
  });

  it('replays one message with the same webhook-id; the open circuit lets it through as the probe', async () => {
    up = true;
    const [first] = await deadLetters();
    const replayed = await post(`/api/v1/webhooks/messages/${first.id}/replay`);
    expect(replayed.status).toBe(202);
    expect(replayed.body).toMatchObject({ id: first.id, status: 'pending', attempts: 0 });
    await w.settle();
    const last = receiver.received.at(-1);
    expect(last?.id).toBe(first.id);
    expect((await w.get(`/api/v1/webhooks/messages/${first.id}`)).status).toBe('delivered');
    expect(await w.get(`/api/v1/webhooks/endpoints/${endpointId}`)).toMatchObject({ circuit_open_until: null, consecutive_failures: 0 });
    const attempts = (await w.get(`/api/v1/webhooks/messages/${first.id}/attempts`)).data;
    expect(attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3, 1]);
    expect(attempts.at(-1).outcome).toBe('delivered');
  });

  it('discards chosen dead letters and replays the rest of an endpoint\'s', async () => {
    const [toDiscard, toReplay] = await deadLetters();
    expect((await post('/api/v1/webhooks/dead-letters/discard', { ids: [toDiscard.id] })).body).toEqual({ count: 1 });
    expect(await deadLetters()).toHaveLength(1);
    expect((await w.get(`/api/v1/webhooks/messages/${toDiscard.id}`)).status).toBe('discarded');
    expect((await post('/api/v1/webhooks/dead-letters/replay', {})).status).toBe(422);
    const replayed = await post('/api/v1/webhooks/dead-letters/replay', { endpoint_id: endpointId });
    expect(replayed.body).toEqual({ count: 1 });
    await w.settle();
    expect(await deadLetters()).toHaveLength(0);
    expect((await w.get(`/api/v1/webhooks/messages/${toReplay.id}`)).status).toBe('delivered');
    expect(receiver.received.at(-1)?.id).toBe(toReplay.id);
  });

  it('replays everything since a time: discarded and, on request, delivered messages keep their ids', async () => {
    const before = receiver.received.length;
    const res = await post(`/api/v1/webhooks/endpoints/${endpointId}/replay`, { since });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ created: 0, requeued: 1 }); // the discarded one
    await w.settle();
    expect(receiver.received.slice(before).map(customerOf)).toHaveLength(1);

    const all = await post(`/api/v1/webhooks/endpoints/${endpointId}/replay`, { since, include_delivered: true });
    expect(all.body).toEqual({ created: 0, requeued: 3 });
    await w.settle();
    const again = receiver.received.slice(before + 1);
    expect(again.map(customerOf).sort()).toEqual(['X-1', 'X-2', 'X-3']);
    const ids = new Set((await w.get(`/api/v1/webhooks/endpoints/${endpointId}/deliveries`)).data.map((m: { id: string }) => m.id));
    expect(new Set(again.map((r) => r.id))).toEqual(ids);
  });

  it('backfills an endpoint created after the events, within [since, until)', async () => {
    const late = await startReceiver();
    const { id } = await w.endpoint({ url: late.url, event_types: ['customer.registered'] });
    const none = await post(`/api/v1/webhooks/endpoints/${id}/replay`, { since: '2000-01-01T00:00:00Z', until: since });
    expect(none.body).toEqual({ created: 0, requeued: 0 });
    const res = await post(`/api/v1/webhooks/endpoints/${id}/replay`, { since });
    expect(res.body).toEqual({ created: 3, requeued: 0 });
    await w.settle();
    expect(late.received.map(customerOf).sort()).toEqual(['X-1', 'X-2', 'X-3']);
    expect((await post('/api/v1/webhooks/endpoints/ep_nope/replay', { since })).status).toBe(404);
    await late.close();
  });
});
