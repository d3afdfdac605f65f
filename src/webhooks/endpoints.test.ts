import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../../test/helpers/receiver.ts';
import { startWebhookWorld, type WebhookWorld } from '../../test/helpers/webhooks.ts';

let w: WebhookWorld;
let receiver: Receiver;
beforeAll(async () => {
  w = await startWebhookWorld();
  receiver = await startReceiver();
});
afterAll(async () => {
  await w.stop();
  await receiver.close();
});

const call = (method: string, path: string, body?: unknown) => w.t.call(method, path, { token: w.admin, body });
const HOUR = 3600_000;

describe('webhook endpoints API', () => {
  it('shows the signing secret once, at creation, and keeps it encrypted', async () => {
    const created = await call('POST', '/api/v1/webhooks/endpoints', { url: `${receiver.url}/a`, description: 'CRM' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: `${receiver.url}/a`, description: 'CRM', event_types: null, enabled: true });
    expect(created.body.id).toMatch(/^ep_/);
    expect(Buffer.from(created.body.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);

    const read = await call('GET', `/api/v1/webhooks/endpoints/${created.body.id}`);
    expect(read.body).not.toHaveProperty('secret');
    const list = await call('GET', '/api/v1/webhooks/endpoints');
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    const rows = await w.t.server.ctx.db.query<{ secret_sealed: string }>('SELECT secret_sealed FROM webhook_endpoints WHERE id = $1', [
      created.body.id,
    ]);
    expect(rows[0].secret_sealed).toMatch(/^enc:v1:/);
    expect(rows[0].secret_sealed).not.toContain(created.body.secret.slice(6, 20));
  });

  it('accepts a secret the caller brings, in the whsec_ form only', async () => {
    const secret = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;
    const ok = await call('POST', '/api/v1/webhooks/endpoints', { url: receiver.url, secret, enabled: false });
    expect(ok.status).toBe(201);
    expect(ok.body.secret).toBe(secret);
    for (const bad of ['abc', 'whsec_!!!', `whsec_${Buffer.alloc(8).toString('base64')}`]) {
      const res = await call('POST', '/api/v1/webhooks/endpoints', { url: receiver.url, secret: bad });
      expect(res.status).toBe(422);
      expect(res.body.error.details[0].field).toBe('secret');
    }
  });

  it('validates event types and unknown fields', async () => {
    const res = await call('POST', '/api/v1/webhooks/endpoints', { url: receiver.url, event_types: ['customer.registered', 'bad type!'] });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ field: 'event_types.1', reason: 'must be dot-separated words of letters, digits and _' }]);
    const extra = await call('POST', '/api/v1/webhooks/endpoints', { url: receiver.url, colour: 'red' });
    expect(extra.status).toBe(422);
  });

  it('changes, disables, enables and deletes an endpoint', async () => {
    const { id } = await w.endpoint({ url: receiver.url, event_types: ['deposit.first'] });
    const patched = await call('PATCH', `/api/v1/webhooks/endpoints/${id}`, { description: 'renamed', event_types: null });
    expect(patched.body).toMatchObject({ description: 'renamed', event_types: null, url: receiver.url });
    const disabled = await call('POST', `/api/v1/webhooks/endpoints/${id}/disable`);
    expect(disabled.body).toMatchObject({ enabled: false, disabled_reason: 'disabled by an admin' });
    await w.register([{ customer_id: 'E-1' }]);
    await w.settle();
    expect((await w.get(`/api/v1/webhooks/endpoints/${id}/deliveries`)).meta.total).toBe(0);
    expect((await call('POST', `/api/v1/webhooks/endpoints/${id}/enable`)).body.enabled).toBe(true);
    expect((await call('GET', '/api/v1/webhooks/endpoints?enabled=true')).body.data.map((e: { id: string }) => e.id)).toContain(id);
    expect((await call('DELETE', `/api/v1/webhooks/endpoints/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/webhooks/endpoints/${id}`)).status).toBe(404);
    expect((await call('PATCH', `/api/v1/webhooks/endpoints/${id}`, { description: 'x' })).status).toBe(404);
  });
});

describe('secret rotation', () => {
  it('signs with both secrets during the overlap and with the new one only after it', async () => {
    const rotating = await startReceiver();
    const { id, secret: oldSecret } = await w.endpoint({ url: rotating.url, event_types: ['customer.registered'] });
    const rotated = await call('POST', `/api/v1/webhooks/endpoints/${id}/rotate-secret`, { overlap_seconds: 3600 });
    expect(rotated.status, rotated.text).toBe(200);
    const newSecret: string = rotated.body.secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(Date.parse(rotated.body.previous_secret_expires_at) - w.clock.now().getTime()).toBe(HOUR);
    expect((await call('GET', `/api/v1/webhooks/endpoints/${id}`)).body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);

    const verifies = (secret: string, r: Receiver['received'][number]) => {
      try {
        new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
        return true;
      } catch {
        return false;
      }
    };
    await w.register([{ customer_id: 'K-1' }]);
    await w.settle();
    const during = rotating.received[0];
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(oldSecret, during)).toBe(true);
    expect(verifies(newSecret, during)).toBe(true);

    await w.advance(HOUR + 1000);
    await w.register([{ customer_id: 'K-2' }]);
    await w.settle();
    const after = rotating.received[1];
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(oldSecret, after)).toBe(false);
    expect(verifies(newSecret, after)).toBe(true);

    const immediate = await call('POST', `/api/v1/webhooks/endpoints/${id}/rotate-secret`, { overlap_seconds: 0 });
    expect(immediate.body.previous_secret_expires_at).toBeNull();
    await w.register([{ customer_id: 'K-3' }]);
    await w.settle();
    expect(verifies(newSecret, rotating.received[2])).toBe(false);
    expect(verifies(immediate.body.secret, rotating.received[2])).toBe(true);
    await call('DELETE', `/api/v1/webhooks/endpoints/${id}`);
    await rotating.close();
  });

  it('refuses an overlap too large for a number (1e400, as a string or a literal) with 422 and keeps the secret', async () => {
    const created = await call('POST', '/api/v1/webhooks/endpoints', { url: `${receiver.url}/overlap` });
    expect(created.status).toBe(201);
    for (const raw of ['{"overlap_seconds":"1e400"}', '{"overlap_seconds":1e400}', '{"overlap_seconds":"-1e400"}']) {
      const res = await w.t.call('POST', `/api/v1/webhooks/endpoints/${created.body.id}/rotate-secret`, { token: w.admin, raw, headers: { 'content-type': 'application/json' } });
      expect(res.status, res.text).toBe(422);
      expect(res.body.error.details).toEqual([{ field: 'overlap_seconds', reason: expect.any(String) }]);
    }
    const read = await call('GET', `/api/v1/webhooks/endpoints/${created.body.id}`);
    expect(read.body.previous_secret_expires_at ?? null).toBeNull();
    await call('DELETE', `/api/v1/webhooks/endpoints/${created.body.id}`);
  });
});
