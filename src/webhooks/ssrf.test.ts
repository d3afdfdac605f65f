import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../../test/helpers/receiver.ts';
import { startWebhookWorld, type WebhookWorld } from '../../test/helpers/webhooks.ts';

// The allowlist permits 127.0.0.1 only (the receivers); everything else private stays refused.
let w: WebhookWorld;
let receiver: Receiver;
beforeAll(async () => {
  w = await startWebhookWorld();
  await w.partners('P-1');
  receiver = await startReceiver();
});
afterAll(async () => {
  await w.stop();
  await receiver.close();
});

const create = (url: string) => w.t.call('POST', '/api/v1/webhooks/endpoints', { token: w.admin, body: { url } });

describe('outbound URL safety', () => {
  it.each([
    ['ftp://files.example.com/hook', /only http and https/],
    ['gopher://127.0.0.1:70/', /only http and https/],
    ['http://10.0.0.5/hook', /10\.0\.0\.5 \(private\)/],
    ['http://192.168.1.1/', /private/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://127.0.0.2/', /loopback/],
    ['http://0.0.0.0:8080/', /unspecified/],
    ['http://[::1]/', /loopback/],
    ['http://[fd00::1]/', /unique-local/],
    ['http://[fe80::1]/', /link-local/],
    ['http://[::ffff:10.0.0.1]/', /private \(IPv4-mapped\)/],
    ['http://0x0a000001/', /10\.0\.0\.1 \(private\)/],
  ])('refuses an endpoint at %s', async (url, reason) => {
    const res = await create(url);
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].field).toBe('url');
    expect(res.body.error.details[0].reason).toMatch(reason);
  });

  it('refuses the same addresses for postbacks and for URL changes', async () => {
    const pb = await w.t.call('POST', '/api/v1/partners/P-1/postbacks', {
      token: w.admin,
      body: { event: 'ftd', url: 'http://169.254.169.254/pb?c={click_id}' },
    });
    expect(pb.status).toBe(422);
    const { id } = await w.endpoint({ url: receiver.url });
    const patch = await w.t.call('PATCH', `/api/v1/webhooks/endpoints/${id}`, { token: w.admin, body: { url: 'http://10.1.1.1/' } });
    expect(patch.status).toBe(422);
    await w.t.call('DELETE', `/api/v1/webhooks/endpoints/${id}`, { token: w.admin });
  });

  it('checks the address again before sending, and logs a refusal instead of sending', async () => {
    const { id } = await w.endpoint({ url: `${receiver.url}/later`, event_types: ['customer.registered'] });
    const settings = w.t.server.ctx.config.webhooks;
    const allowlist = settings.allowlist;
    settings.allowlist = [];
    try {
      await w.register([{ customer_id: 'S-1' }]);
      await w.settle();
    } finally {
      settings.allowlist = allowlist;
    }
    expect(receiver.received.filter((r) => r.path === '/later')).toHaveLength(0);
    const [attempt] = (await w.get(`/api/v1/webhooks/attempts?endpoint_id=${id}`)).data;
    expect(attempt).toMatchObject({ outcome: 'refused', status_code: null });
    expect(attempt.error).toMatch(/127\.0\.0\.1 \(loopback\).*OPENIB_OUTBOUND_ALLOWLIST/);
    await w.advance(6_100);
    expect(receiver.received.filter((r) => r.path === '/later')).toHaveLength(1);
    await w.t.call('DELETE', `/api/v1/webhooks/endpoints/${id}`, { token: w.admin });
  });

  it('never follows a redirect', async () => {
    const target = await startReceiver();
    const redirecting = await startReceiver(() => ({ status: 302, headers: { location: `${target.url}/stolen` } }));
    const { id } = await w.endpoint({ url: redirecting.url, event_types: ['customer.registered'] });
    await w.register([{ customer_id: 'S-2' }]);
    await w.settle();
    expect(redirecting.received).toHaveLength(1);
    expect(target.received).toHaveLength(0);
    const [attempt] = (await w.get(`/api/v1/webhooks/attempts?endpoint_id=${id}`)).data;
    expect(attempt).toMatchObject({ outcome: 'failed', status_code: 302 });
    expect(attempt.error).toMatch(/redirects are not followed/);
    await w.t.call('DELETE', `/api/v1/webhooks/endpoints/${id}`, { token: w.admin });
    await target.close();
    await redirecting.close();
  });

  it('reads at most the configured number of response bytes', async () => {
    const big = await startReceiver(() => ({ status: 200, body: 'y'.repeat(2_000_000) }));
    const { id } = await w.endpoint({ url: big.url, event_types: ['customer.registered'] });
    await w.register([{ customer_id: 'S-3' }]);
    await w.settle();
    const [attempt] = (await w.get(`/api/v1/webhooks/attempts?endpoint_id=${id}`)).data;
    expect(attempt).toMatchObject({ outcome: 'delivered', status_code: 200 });
    expect(attempt.response_body).toHaveLength(4096);
    await w.t.call('DELETE', `/api/v1/webhooks/endpoints/${id}`, { token: w.admin });
    await big.close();
  });
});
