import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { ManualClock } from '../worker/clock.ts';

const ALLOWED = 'https://my.broker.example';
let t: TestServer;
let clock: ManualClock;
let admin: string;
let partnerId: string;
let otherId: string;

async function mint(body: Record<string, unknown>, token = admin) {
  return t.call('POST', '/api/v1/embed-tokens', { token, body });
}

beforeAll(async () => {
  clock = new ManualClock(Date.now());
  t = await startTestServer({ OPENIB_CORS_ORIGINS: `${ALLOWED},http://127.0.0.1:9`, OPENIB_COMMISSIONS_AUTO: '0' }, { clock, tasks: [] });
  admin = await t.token(['admin']);
  const b = brokerSteps(t, admin);
  partnerId = await b.partner('EMB-1', { name: 'Widget Partners' });
  otherId = await b.partner('EMB-2');
  await b.ok('POST', `/api/v1/partners/${partnerId}/links`, { destination_url: 'https://broker.example/register', code: 'widget-link' });
});
afterAll(() => t.stop());

describe('embed tokens', () => {
  it('mint a token that shows the partner widget', async () => {
    const minted = await mint({ partner_id: partnerId });
    expect(minted.status, minted.text).toBe(201);
    expect(minted.body.expires_in).toBe(900);
    expect(Date.parse(minted.body.expires_at) - clock.now().getTime()).toBeGreaterThan(899_000);
    const res = await t.call('GET', '/api/v1/embed/widget', { token: minted.body.token });
    expect(res.status, res.text).toBe(200);
    expect(res.body.partner).toMatchObject({ id: partnerId, name: 'Widget Partners' });
    expect(res.body.currency).toBe('USD');
    expect(res.body.kpis.deposits).toMatchObject({ value: '0.00', previous: '0.00', percent: null });
    expect(res.body.kpis.registrations.value).toBe(0);
    expect(res.body.invite_link.url).toMatch(/\/l\/widget-link$/);
    expect(res.body.invite_link.qr_svg).toMatch(/^<svg[^>]*>/);
    expect(res.body.series.points).toHaveLength(30);
    expect(res.body.period.from.endsWith('-01')).toBe(true);
  });

  it('is refused on every other route, and other tokens are refused on widget routes', async () => {
    const { token } = (await mint({ partner_id: partnerId })).body;
    for (const path of [`/api/v1/partners/${partnerId}`, `/api/v1/reports/partners/${partnerId}/summary`, '/api/v1/partners', '/api/v1/me']) {
      const res = await t.call('GET', path, { token });
      expect(res.status, path).toBe(401);
    }
    expect((await mint({ partner_id: otherId }, token)).status).toBe(401);
    const partnerToken = await t.token(['reports:read'], partnerId);
    expect((await t.call('GET', '/api/v1/embed/widget', { token: partnerToken })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/embed/widget', { token: admin })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/embed/widget')).status).toBe(401);
  });

  it('expires after its lifetime', async () => {
    const { token } = (await mint({ partner_id: partnerId })).body;
    clock.advance(899_000);
    expect((await t.call('GET', '/api/v1/embed/widget', { token })).status).toBe(200);
    clock.advance(2_000);
    const res = await t.call('GET', '/api/v1/embed/widget', { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('token_expired');
    expect(res.text).not.toContain('Widget Partners');
    const short = await mint({ partner_id: partnerId, ttl_seconds: 30 });
    expect(short.body.expires_in).toBe(30);
    expect((await mint({ partner_id: partnerId, ttl_seconds: 100_000 })).status).toBe(422);
  });

  it('refuses forged and altered tokens', async () => {
    const { token } = (await mint({ partner_id: partnerId })).body;
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...payload, pid: otherId })).toString('base64url')}.${s}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'openib-embed+jwt' })).toString('base64url')}.${p}.`;
    for (const forged of [altered, none, `${h}.${p}.${'A'.repeat(43)}`, 'garbage', 'a.b.c']) {
      const res = await t.call('GET', '/api/v1/embed/widget', { token: forged });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_token');
      expect(res.text).not.toContain('Widget Partners');
    }
  });

  it('dies with the API client that minted it', async () => {
    const created = await t.call('POST', '/api/v1/clients', { token: admin, body: { name: 'broker portal', scopes: ['admin'] } });
    expect(created.status, created.text).toBe(201);
    const tok = await t.call('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: created.body.client_id, client_secret: created.body.client_secret },
    });
    const { token } = (await mint({ partner_id: partnerId }, tok.body.access_token)).body;
    expect((await t.call('GET', '/api/v1/embed/widget', { token })).status).toBe(200);
    const revoked = await t.call('DELETE', `/api/v1/clients/${created.body.client_id}`, { token: admin });
    expect(revoked.status, revoked.text).toBeLessThan(300);
    expect((await t.call('GET', '/api/v1/embed/widget', { token })).status).toBe(401);
  });

  it('is minted only by admin API clients, for existing partners, from valid input', async () => {
    const reader = await t.token(['reports:read']);
    expect((await mint({ partner_id: partnerId }, reader)).status).toBe(403);
    expect((await mint({ partner_id: 'pt_missing' })).status).toBe(404);
    for (const body of [{}, { partner_id: 5 }, { partner_id: '' }, { partner_id: partnerId, extra: true }, { partner_id: 'x'.repeat(500) }, { partner_id: partnerId, ttl_seconds: 'soon' }])
      expect((await mint(body)).status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
    expect((await t.call('POST', '/api/v1/embed-tokens', { token: admin, raw: '{"partner_id":"a\\u0000b"}', headers: { 'content-type': 'application/json' } })).status).toBe(422);
  });
});

describe('widget script and CORS', () => {
  it('serves /widget.js publicly as cacheable JavaScript loadable from other origins', async () => {
    const res = await fetch(`${t.url}/widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await res.text()).toContain("customElements.define('openib-widget'");
  });

  it('answers CORS for configured origins only', async () => {
    const preflight = (origin: string, path = '/api/v1/embed/widget') =>
      fetch(`${t.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const ok = await preflight(ALLOWED);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const denied = await preflight('https://evil.example');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    const { token } = (await mint({ partner_id: partnerId })).body;
    const get = await fetch(`${t.url}/api/v1/embed/widget`, { headers: { origin: ALLOWED, authorization: `Bearer ${token}` } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const evil = await fetch(`${t.url}/api/v1/embed/widget`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // Outside /api/v1 there is no CORS at all.
    const outside = await fetch(`${t.url}/openapi.json`, { headers: { origin: ALLOWED } });
    expect(outside.headers.get('access-control-allow-origin')).toBeNull();
    // Every answer read to its end: an unread large body (the OpenAPI document) keeps its connection busy and the server's close waiting.
    await Promise.all([ok, denied, get, evil, outside].map((r) => r.arrayBuffer()));
  });

  it('has no CORS by default', async () => {
    const plain = await startTestServer({}, { tasks: [] });
    try {
      const res = await fetch(`${plain.url}/api/v1/embed/widget`, { method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'GET' } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.stop();
    }
  });
});
