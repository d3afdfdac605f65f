import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/auth/scopes.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

// The OpenAPI document is what integrators generate clients from: these are the promises a generator relies on.
let t: TestServer;
let doc: any;
beforeAll(async () => {
  t = await startTestServer();
  doc = (await t.call('GET', '/openapi.json')).body;
});
afterAll(() => t.stop());

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.includes(m))
      .map(([method, op]) => ({ path, method, op })),
  );

describe('the OpenAPI document', () => {
  it('names every operation with a unique, stable operationId', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.length).toBeGreaterThan(100);
    for (const { path, method, op } of operations()) expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z]+[A-Z][A-Za-z0-9]*$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations().find((o) => o.method === 'post' && o.path === '/api/v1/partners/{partner_id}/move')?.op.operationId).toBe('postPartnersByPartnerIdMove');
  });

  it('declares the OAuth 2.0 client-credentials flow with every scope, and each operation\'s scope on it', () => {
    const oauth = doc.components.securitySchemes.oauth2;
    expect(oauth.flows.clientCredentials.tokenUrl).toMatch(/\/oauth\/token$/);
    expect(Object.keys(oauth.flows.clientCredentials.scopes).sort()).toEqual([...SCOPES].sort());
    for (const { path, method, op } of operations()) {
      const scope = op['x-required-scope'];
      if (!scope || scope === 'session' || scope === 'embed') continue;
      expect(op.security, `${method} ${path}`).toContainEqual({ oauth2: [scope] });
    }
  });

  it('states its licence', () => {
    expect(doc.info.license).toEqual({ name: 'Apache-2.0', identifier: 'Apache-2.0' });
  });

  it('declares Idempotency-Key on the POSTs that create or rotate secrets', () => {
    for (const path of ['/api/v1/clients', '/api/v1/clients/{client_id}/rotate-secret', '/api/v1/webhooks/endpoints', '/api/v1/webhooks/endpoints/{id}/rotate-secret', '/api/v1/partners/{partner_id}/postbacks', '/api/v1/partners/{id}/portal-users', '/api/v1/partner-signups']) {
      const params = doc.paths[path]?.post?.parameters ?? [];
      expect(params.map((p: { in: string; name: string }) => `${p.in}:${p.name}`), path).toContain('header:idempotency-key');
    }
  });
});
