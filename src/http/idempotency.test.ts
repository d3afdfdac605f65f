import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.token(['admin']);
});
afterAll(() => t.stop());

const customers = (ids: string[]) => ids.map((id) => ({ customer_id: id, signup_date: '2026-03-01T00:00:00Z', affiliate_id: 'IB-9' }));
const post = (body: unknown, key?: string) =>
  t.call('POST', '/api/v1/forex/customers', { token, body, headers: key ? { 'idempotency-key': key } : {} });

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body', async () => {
    const first = await post(customers(['i-1', 'i-2']), 'key-1');
    expect(first.status).toBe(200);
    expect(first.body.meta.created).toBe(2);
    const again = await post(customers(['i-1', 'i-2']), 'key-1');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body); // "created", not "unchanged": the first answer, replayed
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('answers 409 for the same key with a different body, storing nothing', async () => {
    const res = await post(customers(['i-3']), 'key-1');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('idempotency_key_reused');
    const list = await t.call('GET', '/api/v1/forex/customers?affiliate_id=IB-9', { token });
    expect(list.body.data.map((c: { customer_id: string }) => c.customer_id)).toEqual(['i-1', 'i-2']);
  });

  it('answers concurrent requests with the same key once', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => post(customers(['i-10']), 'key-race')));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    const registered = await t.call('GET', '/api/v1/events?type=customer.registered&limit=1000', { token });
    expect(registered.body.data.filter((e: { subject_id: string }) => e.subject_id === 'i-10')).toHaveLength(1);
  });

  it('does not keep a rejected request, so the corrected one can reuse its key', async () => {
    const bad = await post([{ customer_id: 'i-20' }], 'key-fix');
    expect(bad.status).toBe(422);
    const good = await post(customers(['i-20']), 'key-fix');
    expect(good.status).toBe(200);
  });

  it('refuses malformed keys', async () => {
    const res = await post(customers(['i-30']), 'x'.repeat(300));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_idempotency_key');
  });
});
