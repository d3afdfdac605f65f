import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { ensureWebBuilt, WEB_DIST, webBuildState } from './build.ts';
import { webRoutes } from './routes.ts';

let t: TestServer;

beforeAll(async () => {
  expect(await ensureWebBuilt()).toBe(true);
  t = await startTestServer({ OPENIB_BROKER_TIMEZONE: 'Asia/Nicosia' });
}, 300_000);
afterAll(() => t?.stop());

describe('serving the web app', () => {
  it('typechecks with its own tsconfig (browser lib, JSX)', () => {
    execFileSync(join(WEB_DIST, '../../node_modules/.bin/tsc'), ['--noEmit', '-p', join(WEB_DIST, '..')], { stdio: 'pipe' });
  }, 120_000);

  it('is built and up to date', () => {
    expect(webBuildState()).toBeNull();
  });

  it('redirects / to the portal and answers index.html for every page of both areas', async () => {
    const root = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/portal/');
    expect((await fetch(`${t.url}/admin`, { redirect: 'manual' })).headers.get('location')).toBe('/admin/');
    for (const path of ['/portal/', '/portal/links', '/portal/sign-up?recruit=abc', '/admin/', '/admin/payouts/123', '/admin/a/b/c']) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toContain('<div id="root">');
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('sends a strict Content-Security-Policy on the pages, and keeps /docs working', async () => {
    const csp = (await fetch(`${t.url}/portal/`)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    const docs = await fetch(`${t.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy') ?? '').not.toContain("script-src 'self'");
  });

  it('serves hashed assets with a year-long immutable cache and no index listing', async () => {
    const js = readdirSync(join(WEB_DIST, 'assets')).find((f) => f.endsWith('.js'));
    const res = await fetch(`${t.url}/app-assets/assets/${js}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
    expect((await fetch(`${t.url}/app-assets/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${t.url}/app-assets/../package.json`)).status).toBe(404);
    expect((await fetch(`${t.url}/app-assets/index.html`)).status).not.toBe(200);
  });

  it('keeps the pages out of the OpenAPI document and tells the app the broker time zone', async () => {
    const doc = await t.call('GET', '/openapi.json');
    const paths = Object.keys(doc.body.paths);
    expect(paths.some((p) => p.startsWith('/portal') || p.startsWith('/admin') || p.startsWith('/app-assets'))).toBe(false);
    expect(paths).toContain('/api/v1/ui-config');
    const cfg = await t.call('GET', '/api/v1/ui-config');
    expect(cfg.status).toBe(200);
    expect(cfg.body.broker_time_zone).toBe('Asia/Nicosia');
  });

  it('answers a 503 page saying how to build when web/dist is missing, while the API keeps working', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'openib-no-dist-'));
    const app = Fastify();
    app.decorate('ctx', { config: { brokerTimeZone: 'UTC', linkBaseUrl: 'http://x' } } as never);
    await app.register(helmet, { contentSecurityPolicy: false });
    await app.register(webRoutes, { dist: empty });
    try {
      const res = await app.inject({ method: 'GET', url: '/portal/dashboard' });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('npm run build:web');
      expect((await app.inject({ method: 'GET', url: '/api/v1/ui-config' })).statusCode).toBe(200);
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
