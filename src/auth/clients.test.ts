import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

// X-Forwarded-For decides the client address here, so allowlists can be tested with any IPv4/IPv6 address.
process.env.OPENIB_TRUST_PROXY = '1';

let t: TestServer;
let admin: string;

beforeAll(async () => {
  t = await startTestServer({ OPENIB_TOKEN_RATE_LIMIT_PER_MINUTE: '1000' });
  admin = await t.token(['admin']);
});
afterAll(async () => {
  await t.stop();
  delete process.env.OPENIB_TRUST_PROXY;
});

async function newClient(body: Record<string, unknown> = {}) {
  const res = await t.call('POST', '/api/v1/clients', { token: admin, body: { name: 'crm', scopes: ['customers:read'], ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { client_id: string; client_secret: string };
}

const tokenFor = (id: string, secret: string, ip = '127.0.0.1') =>
  t.call('POST', '/oauth/token', {
    body: { grant_type: 'client_credentials', client_id: id, client_secret: secret },
    headers: { 'x-forwarded-for': ip },
  });

const audit = async (subject: string) =>
  (await t.call('GET', `/api/v1/audit-log?subject_type=api_client&subject_id=${encodeURIComponent(subject)}`, { token: admin })).body.data as {
    action: string;
    before: any;
    after: any;
    actor: string;
  }[];

describe('secret rotation', () => {
  it('returns the new secret once; both secrets work during the overlap; revoke-previous ends it', async () => {
    const c = await newClient();
    const rotated = await t.call('POST', `/api/v1/clients/${c.client_id}/rotate-secret`, { token: admin, body: { overlap_seconds: 3600 } });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.client_secret).toMatch(/^ocs_/);
    expect(rotated.body.client_secret).not.toBe(c.client_secret);
    const until = Date.parse(rotated.body.previous_secret_expires_at) - Date.now();
    expect(until).toBeGreaterThan(3590_000);
    expect(until).toBeLessThanOrEqual(3600_000);
    expect((await tokenFor(c.client_id, c.client_secret)).status).toBe(200);
    expect((await tokenFor(c.client_id, rotated.body.client_secret)).status).toBe(200);

    const ended = await t.call('POST', `/api/v1/clients/${c.client_id}/revoke-previous-secret`, { token: admin });
    expect(ended.status).toBe(200);
    expect(ended.body.previous_secret_expires_at).toBeNull();
    expect((await tokenFor(c.client_id, c.client_secret)).status).toBe(401);
    expect((await tokenFor(c.client_id, rotated.body.client_secret)).status).toBe(200);

    const actions = (await audit(c.client_id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['api_client.create', 'api_client.rotate_secret', 'api_client.revoke_previous_secret']));
    const text = JSON.stringify(await audit(c.client_id));
    expect(text).not.toContain(c.client_secret);
    expect(text).not.toContain(rotated.body.client_secret);
  });

  it('the previous secret stops at the end of the overlap; overlap 0 replaces at once', async () => {
    const c = await newClient();
    const r = await t.call('POST', `/api/v1/clients/${c.client_id}/rotate-secret`, { token: admin, body: { overlap_seconds: 0 } });
    expect(r.status).toBe(200);
    expect(r.body.previous_secret_expires_at).toBeNull();
    expect((await tokenFor(c.client_id, c.client_secret)).status).toBe(401);
    // A window that has passed: move the stored expiry into the past.
    const r2 = await t.call('POST', `/api/v1/clients/${c.client_id}/rotate-secret`, { token: admin });
    expect(Date.parse(r2.body.previous_secret_expires_at) - Date.now(), r2.text).toBeGreaterThan(86_000_000);
    expect((await tokenFor(c.client_id, r.body.client_secret)).status).toBe(200);
    await t.server.ctx.db.query(`UPDATE api_clients SET previous_secret_expires_at = now() - interval '1 second' WHERE client_id = $1`, [c.client_id]);
    expect((await tokenFor(c.client_id, r.body.client_secret)).status).toBe(401);
    expect((await tokenFor(c.client_id, r2.body.client_secret)).status).toBe(200);
  });

  it('refuses an overlap over 30 days, a negative one, unknown and revoked clients', async () => {
    const c = await newClient();
    for (const overlap_seconds of [30 * 86400 + 1, -1, 1.5, 'soon', [1, 2]]) {
      const res = await t.call('POST', `/api/v1/clients/${c.client_id}/rotate-secret`, { token: admin, body: { overlap_seconds } });
      expect(res.status, JSON.stringify(overlap_seconds)).toBe(422);
    }
    expect((await t.call('POST', '/api/v1/clients/oc_nope/rotate-secret', { token: admin, body: {} })).status).toBe(404);
    await t.call('DELETE', `/api/v1/clients/${c.client_id}`, { token: admin });
    expect((await t.call('POST', `/api/v1/clients/${c.client_id}/rotate-secret`, { token: admin, body: {} })).status).toBe(409);
    expect((await tokenFor(c.client_id, c.client_secret)).status).toBe(401);
  });
});

describe('revocation', () => {
  it('takes effect on the next request of a token already issued', async () => {
    const c = await newClient();
    const token = (await tokenFor(c.client_id, c.client_secret)).body.access_token;
    expect((await t.call('GET', '/api/v1/forex/customers', { token })).status).toBe(200);
    expect((await t.call('DELETE', `/api/v1/clients/${c.client_id}`, { token: admin })).status).toBe(200);
    const after = await t.call('GET', '/api/v1/forex/customers', { token });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/revoked/);
    const entries = await audit(c.client_id);
    expect(entries.find((e) => e.action === 'api_client.revoke')).toMatchObject({ before: { revoked_at: null }, after: { revoked_at: expect.any(String) } });
  });
});

describe('IP allowlist', () => {
  it('validates IPv4 and IPv6 CIDR blocks', async () => {
    const res = await t.call('POST', '/api/v1/clients', {
      token: admin,
      body: { name: 'x', scopes: ['customers:read'], allowed_ips: ['10.0.0.0/8', 'nope', '2001:db8::/129', '10.1', '1.2.3.4'] },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { index: number }) => d.index)).toEqual([1, 2, 3]);
    const ok = await newClient({ allowed_ips: ['10.0.0.0/8', '2001:DB8::/32', '192.0.2.7'] });
    const view = await t.call('GET', `/api/v1/clients/${ok.client_id}`, { token: admin });
    expect(view.body.allowed_ips).toEqual(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7/32']);
  });

  it('is enforced at the token endpoint and on every request, for IPv4 and IPv6', async () => {
    const c = await newClient({ allowed_ips: ['10.0.0.0/8', '2001:db8::/32'] });
    expect((await tokenFor(c.client_id, c.client_secret, '192.0.2.1')).status).toBe(401);
    const v4 = await tokenFor(c.client_id, c.client_secret, '10.1.2.3');
    expect(v4.status).toBe(200);
    expect((await tokenFor(c.client_id, c.client_secret, '2001:db8::1')).status).toBe(200);
    expect((await tokenFor(c.client_id, c.client_secret, '2001:db9::1')).status).toBe(401);
    const token = v4.body.access_token;
    const call = (ip: string) => t.call('GET', '/api/v1/forex/customers', { token, headers: { 'x-forwarded-for': ip } });
    expect((await call('10.9.9.9')).status).toBe(200);
    expect((await call('2001:db8:1::5')).status).toBe(200);
    const refused = await call('198.51.100.4');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('ip_not_allowed');
    // Clearing the list allows every address again, from the next request.
    const patched = await t.call('PATCH', `/api/v1/clients/${c.client_id}`, { token: admin, body: { allowed_ips: [] } });
    expect(patched.body.allowed_ips).toEqual([]);
    expect((await call('198.51.100.4')).status).toBe(200);
  });
});

describe('PATCH /api/v1/clients/{id}', () => {
  it('changes name and scopes; narrowed scopes apply to issued tokens; before and after are audited', async () => {
    const c = await newClient({ scopes: ['customers:read', 'transactions:read'] });
    const token = (await tokenFor(c.client_id, c.client_secret)).body.access_token;
    expect((await t.call('GET', '/api/v1/forex/transactions', { token })).status).toBe(200);
    const res = await t.call('PATCH', `/api/v1/clients/${c.client_id}`, { token: admin, body: { name: 'crm v2', scopes: ['customers:read'] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'crm v2', scopes: ['customers:read'] });
    expect((await t.call('GET', '/api/v1/forex/transactions', { token })).status).toBe(403);
    const entry = (await audit(c.client_id)).find((e) => e.action === 'api_client.update')!;
    expect(entry.before).toMatchObject({ name: 'crm', scopes: ['customers:read', 'transactions:read'] });
    expect(entry.after).toMatchObject({ name: 'crm v2', scopes: ['customers:read'] });
  });

  it('refuses hostile and empty bodies, admin for a partner-bound client, and unknown clients', async () => {
    const c = await newClient();
    for (const body of [{}, { name: '' }, { name: '   ' }, { scopes: ['root'] }, { scopes: [] }, { extra: 1 }, { allowed_ips: 'x' }, { allowed_ips: ['::g'] }]) {
      const res = await t.call('PATCH', `/api/v1/clients/${c.client_id}`, { token: admin, body });
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect((await t.call('PATCH', '/api/v1/clients/oc_nope', { token: admin, body: { name: 'x' } })).status).toBe(404);
    const view = await t.call('GET', `/api/v1/clients/${c.client_id}`, { token: admin });
    expect(view.body).toMatchObject({ name: 'crm', scopes: ['customers:read'], allowed_ips: [] });
  });
});

describe('secrets and last use', () => {
  it('never returns a secret or its hash from list or get; last_used_at shows use', async () => {
    const c = await newClient();
    const before = await t.call('GET', `/api/v1/clients/${c.client_id}`, { token: admin });
    expect(before.body.last_used_at).toBeNull();
    const token = (await tokenFor(c.client_id, c.client_secret)).body.access_token;
    await t.call('GET', '/api/v1/forex/customers', { token });
    await new Promise((r) => setTimeout(r, 100));
    const after = await t.call('GET', `/api/v1/clients/${c.client_id}`, { token: admin });
    expect(Date.parse(after.body.last_used_at)).toBeGreaterThan(Date.now() - 60_000);
    const list = await t.call('GET', '/api/v1/clients', { token: admin });
    for (const text of [list.text, after.text]) {
      expect(text).not.toContain(c.client_secret);
      expect(text).not.toMatch(/secret_hash|"client_secret"/);
    }
  });
});
