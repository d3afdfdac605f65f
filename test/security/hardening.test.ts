import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/auth/clients.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { openPlatform } from '../../src/platform.ts';
import { freshDatabase, TEST_KEYS } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('request size limits on every content type', () => {
  let t: TestServer;
  let admin: string;
  beforeAll(async () => {
    t = await startTestServer({ OPENIB_BODY_LIMIT_BYTES: String(64 * 1024), OPENIB_IMPORT_MAX_BYTES: '2048' }, { role: 'api' });
    admin = await t.token(['admin']);
  });
  afterAll(() => t.stop());

  const count = async () => (await t.server.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers'))[0].n;

  it('JSON over OPENIB_BODY_LIMIT_BYTES → 413, nothing stored', async () => {
    const records = Array.from({ length: 800 }, (_, i) => ({ customer_id: `BIG-${i}`, signup_date: '2026-01-01T00:00:00Z', affiliate_id: '', first_name: 'x'.repeat(80) }));
    const res = await t.call('POST', '/api/v1/forex/customers', { token: admin, body: records });
    expect(res.status).toBe(413);
    expect(await count()).toBe(0);
  });

  it('form bodies over 64 KiB → 413', async () => {
    const res = await t.call('POST', '/oauth/token', {
      raw: `grant_type=client_credentials&client_id=x&client_secret=${'s'.repeat(70 * 1024)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(413);
  });

  it('multipart CSV uploads over OPENIB_IMPORT_MAX_BYTES → 413', async () => {
    const form = new FormData();
    form.append('entity', 'customers');
    form.append('file', new Blob([`customer_id,signup_date\n${'C,2026-01-01\n'.repeat(400)}`], { type: 'text/csv' }), 'big.csv');
    const res = await fetch(`${t.url}/api/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: form });
    expect(res.status).toBe(413);
  });

  it('text/csv and other raw bodies over their limit → 413 (inbound webhooks, 256 KiB)', async () => {
    const res = await t.call('POST', '/api/v1/inbound/crm', { raw: 'a,b\n'.repeat(80 * 1024), headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(413);
    const json = await t.call('POST', '/api/v1/forex/customers', { token: admin, raw: 'a,b\n'.repeat(20 * 1024), headers: { 'content-type': 'text/csv' } });
    expect([413, 415]).toContain(json.status);
  });

  it('sends security headers (helmet)', async () => {
    const res = await t.call('GET', '/healthz');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age/);
    expect(res.headers.get('x-frame-options')).toBeTruthy();
  });
});

describe('secrets never reach the logs', () => {
  it('redacts Authorization, client secrets, passwords, cookies, postback and stream tokens, webhook secrets', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const database = await freshDatabase();
    const config = loadConfig({ PORT: '0', OPENIB_DEMO: '0', OPENIB_LOG_LEVEL: 'trace', OPENIB_DATA_DIR: database.dataDir, OPENIB_OUTBOUND_ALLOWLIST: '127.0.0.1/32', ...(database.url ? { DATABASE_URL: database.url, OPENIB_ENCRYPTION_KEYS: TEST_KEYS } : {}) });
    const ctx = await openPlatform(config);
    const app = await buildApp(ctx, { logStream: stream });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      const client = await createClient(ctx.db, { name: 'logged', scopes: ['admin'] });
      const secrets = {
        clientSecret: client.client_secret,
        password: 'pw-Very-Secret-0042',
        cookie: 'sess-cookie-value-9931',
        postbackToken: 'pbtoken-5521-secret',
        csrf: 'csrf-token-7781-secret',
      };
      const tokenRes = await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `openib_session=${secrets.cookie}` },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret }),
      });
      const { access_token } = (await tokenRes.json()) as { access_token: string };
      const auth = { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' };
      await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials`,
      });
      await fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=bad&client_id=x&client_secret=${secrets.clientSecret}` });
      await fetch(`${url}/api/v1/partners`, { method: 'POST', headers: { ...auth, 'x-csrf-token': secrets.csrf }, body: JSON.stringify({ name: 'P', password: secrets.password }) });
      await fetch(`${url}/api/v1/postback?token=${secrets.postbackToken}&click_id=1`);
      await fetch(`${url}/api/v1/reports/partners/pt_x/summary?access_token=${access_token}`);
      const endpoint = (await (await fetch(`${url}/api/v1/webhooks/endpoints`, { method: 'POST', headers: auth, body: JSON.stringify({ url: 'http://127.0.0.1:9/h' }) })).json()) as { id: string; secret: string };
      const rotated = (await (await fetch(`${url}/api/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`, { method: 'POST', headers: auth, body: '{}' })).json()) as { secret: string };
      const c2 = (await (await fetch(`${url}/api/v1/clients/${client.client_id}/rotate-secret`, { method: 'POST', headers: auth, body: '{}' })).json()) as { client_secret: string };
      await new Promise((r) => setTimeout(r, 100));
      const log = lines.join('');
      expect(log.length).toBeGreaterThan(1000);
      expect(log).toContain('[redacted]');
      for (const [name, value] of Object.entries({ ...secrets, accessToken: access_token, webhookSecret: endpoint.secret, rotatedWebhookSecret: rotated.secret, rotatedClientSecret: c2.client_secret }))
        expect(log.includes(value), `${name} appears in the logs`).toBe(false);
    } finally {
      await app.close();
      await ctx.db.close();
      await database.drop();
    }
  });
});

describe('direct TLS', () => {
  it('serves HTTPS with OPENIB_TLS_CERT_FILE and OPENIB_TLS_KEY_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openib-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const t = await startTestServer({ OPENIB_TLS_CERT_FILE: cert, OPENIB_TLS_KEY_FILE: key }, { role: 'api' });
    try {
      expect(t.url).toMatch(/^https:\/\//);
      const body = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(`${t.url}/healthz`, { ca: execFileSync('cat', [cert]) }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        });
        req.on('error', reject);
        req.end();
      });
      expect(body).toBe('200 {"status":"ok"}');
    } finally {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => loadConfig({ OPENIB_TLS_CERT_FILE: cert })).toThrow(/both/);
  });
});
