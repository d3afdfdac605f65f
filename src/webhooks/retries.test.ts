import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../../test/helpers/receiver.ts';
import { startWebhookWorld, type WebhookWorld } from '../../test/helpers/webhooks.ts';

let w: WebhookWorld;
beforeAll(async () => {
  w = await startWebhookWorld({ OPENIB_WEBHOOK_TIMEOUT_MS: '1500' });
});
afterAll(() => w.stop());

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** An endpoint at a fresh receiver; both are removed when the test's body ends. */
async function withEndpoint(answer: Receiver['answer'], body: (r: Receiver, id: string) => Promise<void>) {
  const receiver = await startReceiver(answer);
  const { id } = await w.endpoint({ url: receiver.url, event_types: ['customer.registered'] });
  try {
    await body(receiver, id);
  } finally {
    await w.t.call('DELETE', `/api/v1/webhooks/endpoints/${id}`, { token: w.admin });
    await receiver.close();
  }
}

async function onlyMessage(endpointId: string) {
  const { data } = await w.get(`/api/v1/webhooks/endpoints/${endpointId}/deliveries`);
  expect(data).toHaveLength(1);
  return data[0];
}

describe('retries', () => {
  it('follows the published schedule (at once, 5 s, 5 min, 30 min…) until the receiver accepts', async () => {
    await withEndpoint(
      (_r, i) => (i < 3 ? { status: 500, body: 'broken' } : { status: 204 }),
      async (receiver, id) => {
        await w.register([{ customer_id: 'R-1' }]);
        await w.settle();
        expect(receiver.received).toHaveLength(1);
        await w.advance(4 * SECOND);
        expect(receiver.received).toHaveLength(1);
        await w.advance(2.1 * SECOND); // 5 s, plus at most 20% jitter
        expect(receiver.received).toHaveLength(2);
        await w.advance(4 * MINUTE);
        expect(receiver.received).toHaveLength(2);
        await w.advance(2.1 * MINUTE);
        expect(receiver.received).toHaveLength(3);
        await w.advance(36.1 * MINUTE);
        expect(receiver.received).toHaveLength(4);
        expect(receiver.distinctIds().size).toBe(1);
        expect(await onlyMessage(id)).toMatchObject({ status: 'delivered', attempts: 4, last_status_code: 204 });
        const log = await w.get(`/api/v1/webhooks/attempts?endpoint_id=${id}`);
        expect(log.data.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 500, 204]);
        expect(log.data[0]).toMatchObject({ outcome: 'failed', error: 'HTTP 500', response_body: 'broken' });
      },
    );
  });

  it('disables the endpoint on 410 Gone; what is queued is sent once it is enabled again', async () => {
    let gone = true;
    await withEndpoint(
      () => (gone ? { status: 410 } : { status: 200 }),
      async (receiver, id) => {
        await w.register([{ customer_id: 'R-2' }]);
        await w.settle();
        const endpoint = await w.get(`/api/v1/webhooks/endpoints/${id}`);
        expect(endpoint).toMatchObject({ enabled: false, disabled_reason: 'the receiver answered 410 Gone' });
        await w.register([{ customer_id: 'R-3' }]);
        await w.advance(10 * MINUTE);
        expect(receiver.received).toHaveLength(1);
        expect((await onlyMessage(id)).status).toBe('pending');
        gone = false;
        const enabled = await w.t.call('POST', `/api/v1/webhooks/endpoints/${id}/enable`, { token: w.admin });
        expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null, consecutive_failures: 0 });
        await w.advance(31 * MINUTE);
        // R-2 arrives; R-3 happened while the endpoint was disabled and is not queued for it.
        expect(receiver.received.map((r) => JSON.parse(r.body).data.customer.customer_id)).toEqual(['R-2', 'R-2']);
        expect((await onlyMessage(id)).status).toBe('delivered');
      },
    );
  });

  it('gives up on a receiver that hangs past the timeout, without holding up other endpoints', async () => {
    let hang = true;
    const healthy = await startReceiver();
    const other = await w.endpoint({ url: healthy.url, event_types: ['customer.registered'] });
    await withEndpoint(
      () => (hang ? 'hang' : { status: 200 }),
      async (receiver, id) => {
        const started = Date.now();
        await w.register([{ customer_id: 'R-4' }]);
        w.t.server.workers?.wake();
        while (healthy.received.length === 0 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
        expect(healthy.received).toHaveLength(1);
        expect(Date.now() - started).toBeLessThan(1500);
        await w.settle();
        expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
        const [attempt] = (await w.get(`/api/v1/webhooks/attempts?endpoint_id=${id}`)).data;
        expect(attempt).toMatchObject({ outcome: 'timeout', status_code: null, error: 'no complete answer within 1500 ms' });
        expect(attempt.latency_ms).toBeGreaterThanOrEqual(1400);
        hang = false;
        await w.advance(6.1 * SECOND);
        expect(receiver.received).toHaveLength(2);
        expect((await onlyMessage(id)).status).toBe('delivered');
      },
    );
    await w.t.call('DELETE', `/api/v1/webhooks/endpoints/${other.id}`, { token: w.admin });
    await healthy.close();
  });

  it('waits as long as a 429 Retry-After asks, for the whole endpoint', async () => {
    await withEndpoint(
      (_r, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 }),
      async (receiver, id) => {
        const start = w.clock.now().getTime();
        await w.register([{ customer_id: 'R-5' }]);
        await w.settle();
        const message = await onlyMessage(id);
        expect(Date.parse(message.next_attempt_at) - start).toBeGreaterThanOrEqual(120 * SECOND);
        expect(Date.parse((await w.get(`/api/v1/webhooks/endpoints/${id}`)).paused_until) - start).toBe(120 * SECOND);
        await w.register([{ customer_id: 'R-6' }]);
        await w.advance(60 * SECOND);
        expect(receiver.received).toHaveLength(1);
        await w.advance(61 * SECOND);
        expect(receiver.received.map((r) => JSON.parse(r.body).data.customer.customer_id).sort()).toEqual(['R-5', 'R-5', 'R-6']);
      },
    );
  });

  it('delivers everything to a receiver that was down for an hour, failing fast while its circuit is open', async () => {
    let down = true;
    await withEndpoint(
      () => (down ? { status: 503 } : { status: 200 }),
      async (receiver, id) => {
        const ids = ['H-1', 'H-2', 'H-3', 'H-4', 'H-5'];
        await w.register(ids.map((customer_id) => ({ customer_id })));
        await w.settle();
        for (let minute = 1; minute <= 60; minute++) await w.advance(MINUTE);
        const duringOutage = receiver.received.length;
        down = false;
        // Attempt 5 is due 2 h 35 min after the first, plus jitter: by 3 h 10 min at the latest.
        for (let minute = 65; minute <= 190; minute += 5) await w.advance(5 * MINUTE);

        const accepted = receiver.received.slice(duringOutage);
        expect(new Set(accepted.map((r) => r.id)).size).toBe(5);
        expect(accepted.map((r) => JSON.parse(r.body).data.customer.customer_id).sort()).toEqual(ids);
        const { data: messages } = await w.get(`/api/v1/webhooks/endpoints/${id}/deliveries`);
        expect(messages.map((m: { status: string }) => m.status)).toEqual(Array(5).fill('delivered'));

        const log = (await w.get(`/api/v1/webhooks/attempts?endpoint_id=${id}&per_page=500`)).data;
        const failFast = log.filter((a: { outcome: string }) => a.outcome === 'circuit_open');
        expect(failFast.length).toBeGreaterThan(0);
        expect(failFast[0].error).toMatch(/^circuit open until .* not sent$/);
        // The circuit kept most attempts from reaching the dead receiver.
        expect(duringOutage).toBeLessThan(log.length - 5);

        const events = (await w.get('/api/v1/events?type=endpoint.failing')).data.filter(
          (e: { subject_id: string }) => e.subject_id === id,
        );
        expect(events).toHaveLength(1);
        expect(events[0].data).toMatchObject({ endpoint_id: id, kind: 'webhook', consecutive_failures: 5, last_error: 'HTTP 503' });
        expect(await w.get(`/api/v1/webhooks/endpoints/${id}`)).toMatchObject({
          consecutive_failures: 0,
          failing_since: null,
          circuit_open_until: null,
        });
      },
    );
  });
});
