import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OpenApiOperation } from '../../src/http/openapi-document.ts';
import { scopeTable, withScopeTable } from '../../src/http/scope-table.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let ops: OpenApiOperation[];
beforeAll(async () => {
  t = await startTestServer({}, { role: 'api' });
  ops = operations((await t.call('GET', '/openapi.json')).body);
});
afterAll(() => t.stop());

/** A path with every parameter filled with an id that exists nowhere. */
const nowhere = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'period' ? '2026-01' : name === 'action' ? 'approve' : `zz_${name}`));

describe('scopes on every route', () => {
  it('docs/security.md holds the route → scope table generated from the OpenAPI document', () => {
    const committed = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
    expect(withScopeTable(committed, scopeTable(ops)), 'run: node scripts/scope-table.ts').toBe(committed);
  });

  it('every operation declares a scope or is public', () => {
    for (const o of ops) expect(o.scope, `${o.method} ${o.path}`).toMatch(/^(public|[a-z]+(:[a-z]+)?)$/);
  });

  it('payout writes need payouts:write, not admin', () => {
    const expected = ['POST /api/v1/payout-runs', 'POST /api/v1/statements/{statement_id}/{action}', 'POST /api/v1/periods/{period}/close', 'GET /api/v1/reconciliation'];
    for (const key of expected) expect(ops.find((o) => `${o.method} ${o.path}` === key)?.scope, key).toBe('payouts:write');
  });

  it('read:all reaches every GET and no write', async () => {
    const reader = await t.token(['read:all']);
    // Session routes are for signed-in people and embed routes for widget tokens: a bearer token gets 401 there.
    for (const o of ops.filter((o) => !['public', 'session', 'embed'].includes(o.scope))) {
      const res = await t.call(o.method, nowhere(o.path), { token: reader, body: o.method === 'GET' ? undefined : {} });
      if (o.method === 'GET') expect(res.status, `${o.method} ${o.path}: ${res.text.slice(0, 200)}`).not.toBe(403);
      else {
        expect(res.status, `${o.method} ${o.path}`).toBe(403);
        expect(res.body.error.code).toBe('insufficient_scope');
      }
    }
  });

  it('a payouts:write client runs payouts and closes months; a partners:write client cannot', async () => {
    const finance = await t.token(['payouts:write']);
    const other = await t.token(['partners:write']);
    const close = await t.call('POST', '/api/v1/periods/2026-01/close', { token: finance });
    expect(close.status, close.text).toBe(200);
    expect((await t.call('POST', '/api/v1/periods/2026-01/close', { token: other })).status).toBe(403);
    const run = await t.call('POST', '/api/v1/payout-runs', { token: finance, body: { period: '2026-01' } });
    expect(run.status, run.text).toBeLessThan(300);
    expect((await t.call('GET', '/api/v1/reconciliation?from=2026-01-01&to=2026-01-31', { token: finance })).status).not.toBe(403);
  });
});
