import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_OUTBOUND_ALLOWLIST: '127.0.0.1/32' });
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

describe('Idempotency-Key on every POST that creates or rotates', () => {
  let partnerId: string;
  beforeAll(async () => {
    const p = await t.call('POST', '/api/v1/partners', { token, body: { name: 'Retry IB', affiliate_id: 'IB-RETRY' } });
    expect(p.status).toBe(201);
    partnerId = p.body.partner_id;
  });

  const send = (method: string, path: string, body: unknown, key: string, auth = true) =>
    t.call(method, path, { ...(auth ? { token } : {}), body, headers: { 'idempotency-key': key } });

  const count = async (sql: string, params: unknown[] = []) => Number((await t.server.ctx.db.query<{ n: number }>(sql, params))[0].n);

  // Each case: a create or a rotation, sent twice with one key. The retry must answer the first
  // answer (the same id, the same secret), write nothing, and keep any secret out of the stored answer.
  const cases: {
    name: string;
    send: (key: string) => Promise<{ status: number; body: any; headers: Headers }>;
    rows: () => Promise<number>;
    secret?: (body: any) => string;
  }[] = [
    {
      name: 'POST /api/v1/clients',
      send: (k) => send('POST', '/api/v1/clients', { name: 'CRM push', scopes: ['customers:write'] }, k),
      rows: () => count(`SELECT count(*)::int AS n FROM api_clients WHERE name = 'CRM push'`),
      secret: (b) => b.client_secret,
    },
    {
      name: 'POST /api/v1/webhooks/endpoints',
      send: (k) => send('POST', '/api/v1/webhooks/endpoints', { url: 'http://127.0.0.1:9/crm', description: 'retry-test' }, k),
      rows: () => count(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE description = 'retry-test'`),
      secret: (b) => b.secret,
    },
    {
      name: 'POST /api/v1/partners/{id}/postbacks',
      send: (k) => send('POST', `/api/v1/partners/${partnerId}/postbacks`, { event: 'registration', url: 'http://127.0.0.1:9/reg?c={click_id}' }, k),
      rows: () => count(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE kind = 'postback' AND partner_id = $1`, [partnerId]),
    },
    {
      name: 'POST /api/v1/partners/{id}/portal-users',
      send: (k) => send('POST', `/api/v1/partners/${partnerId}/portal-users`, { email: 'retry-ib@example.com' }, k),
      rows: () => count(`SELECT count(*)::int AS n FROM portal_users WHERE partner_id = $1`, [partnerId]),
      secret: (b) => b.one_time_password,
    },
    {
      name: 'POST /api/v1/partner-signups (public)',
      send: (k) => send('POST', '/api/v1/partner-signups', { name: 'Retry Applicant', email: 'applicant@example.com', country: 'BR' }, k, false),
      rows: () => count(`SELECT count(*)::int AS n FROM partners WHERE name = 'Retry Applicant'`),
    },
  ];

  it.each(cases)('$name: a retry replays the first answer and creates nothing more', async (c) => {
    const first = await c.send(`create-${c.name.replace(/\W+/g, '-')}`);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const again = await c.send(`create-${c.name.replace(/\W+/g, '-')}`);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await c.rows()).toBe(1);
    if (c.secret) {
      const secret = c.secret(first.body);
      expect(secret).toBeTruthy();
      const stored = await t.server.ctx.db.query<{ body: string }>(`SELECT response_body::text AS body FROM idempotency_keys WHERE key = $1`, [`create-${c.name.replace(/\W+/g, '-')}`]);
      expect(stored).toHaveLength(1);
      expect(stored[0].body).not.toContain(secret);
    }
  });

  it('a retried client-secret rotation keeps the old secret working through its overlap', async () => {
    const created = await send('POST', '/api/v1/clients', { name: 'Rotating', scopes: ['customers:read'] }, 'rot-create');
    const { client_id: clientId, client_secret: original } = created.body;
    const rotate = () => send('POST', `/api/v1/clients/${clientId}/rotate-secret`, { overlap_seconds: 86400 }, 'rot-1');
    const first = await rotate();
    expect(first.status).toBe(200);
    const again = await rotate();
    expect(again.body.client_secret).toBe(first.body.client_secret);
    const tokenWith = (secret: string) =>
      fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
      });
    expect((await tokenWith(original)).status).toBe(200);
    expect((await tokenWith(first.body.client_secret)).status).toBe(200);
  });

  it('a retried signing-secret rotation answers the same secret and keeps the previous one signing', async () => {
    const ep = await send('POST', '/api/v1/webhooks/endpoints', { url: 'http://127.0.0.1:9/rot' }, 'ep-rot-create');
    const rotate = () => send('POST', `/api/v1/webhooks/endpoints/${ep.body.id}/rotate-secret`, { overlap_seconds: 3600 }, 'ep-rot-1');
    const first = await rotate();
    expect(first.status).toBe(200);
    const again = await rotate();
    expect(again.body).toEqual(first.body);
    const [row] = await t.server.ctx.db.query<{ previous: string | null }>(`SELECT previous_secret_sealed AS previous FROM webhook_endpoints WHERE id = $1`, [ep.body.id]);
    expect(row.previous).not.toBeNull();
  });

  it('keys of anonymous callers are kept apart from each other by address, and a different body is a 409', async () => {
    const other = await send('POST', '/api/v1/partner-signups', { name: 'Someone Else', email: 'else@example.com' }, 'create-POST-api-v1-partner-signups-public-', false);
    expect(other.status).toBe(409);
    expect(await count(`SELECT count(*)::int AS n FROM partners WHERE name = 'Someone Else'`)).toBe(0);
  });
});
