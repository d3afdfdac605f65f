import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from './clients.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let client: { client_id: string; client_secret: string };

beforeAll(async () => {
  t = await startTestServer({ OPENIB_TOKEN_TTL_SECONDS: '60' });
  client = await createClient(t.server.ctx.db, { name: 'crm', scopes: ['customers:write', 'customers:read'] });
});
afterAll(() => t.stop());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('POST /oauth/token', () => {
  it('issues a bearer token for form-encoded client credentials', async () => {
    const res = await t.call('POST', '/oauth/token', {
      raw: form({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 60, scope: 'customers:write customers:read' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const list = await t.call('GET', '/api/v1/forex/customers', { token: res.body.access_token });
    expect(list.status).toBe(200);
  });

  it('accepts a JSON body and HTTP Basic credentials (RFC 6749 §2.3.1)', async () => {
    const json = await t.call('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret },
    });
    expect(json.status).toBe(200);
    const basic = Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64');
    const res = await t.call('POST', '/oauth/token', {
      raw: form({ grant_type: 'client_credentials' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    });
    expect(res.status).toBe(200);
    expect(res.body.access_token).toMatch(/^eyJ/);
  });

  it('answers 401 invalid_client with a JSON body for a wrong secret or unknown client', async () => {
    for (const [id, secret] of [
      [client.client_id, 'wrong'],
      ['oc_unknown', client.client_secret],
    ]) {
      const res = await t.call('POST', '/oauth/token', { body: { grant_type: 'client_credentials', client_id: id, client_secret: secret } });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'invalid_client' });
    }
    const basic = Buffer.from(`${client.client_id}:nope`).toString('base64');
    const res = await t.call('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials' },
      headers: { authorization: `Basic ${basic}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('refuses other grant types and scopes the client does not hold', async () => {
    const grant = await t.call('POST', '/oauth/token', { body: { grant_type: 'password', client_id: client.client_id, client_secret: client.client_secret } });
    expect(grant.status).toBe(400);
    expect(grant.body.error).toBe('unsupported_grant_type');
    const scope = await t.call('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, scope: 'admin' },
    });
    expect(scope.status).toBe(400);
    expect(scope.body.error).toBe('invalid_scope');
  });

  it('narrows a token to the requested scopes', async () => {
    const res = await t.call('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, scope: 'customers:read' },
    });
    expect(res.body.scope).toBe('customers:read');
    const write = await t.call('POST', '/api/v1/forex/customers', {
      token: res.body.access_token,
      body: [{ customer_id: 'c1', signup_date: '2026-01-01T00:00:00Z', affiliate_id: '' }],
    });
    expect(write.status).toBe(403);
  });
});

describe('bearer tokens on the API', () => {
  it('answers 401 with a JSON body without a token, with a forged token, and with an expired one', async () => {
    const none = await t.call('GET', '/api/v1/forex/customers');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    const forged = await t.call('GET', '/api/v1/forex/customers', { token: 'eyJhbGciOiJIUzI1NiJ9.e30.x' });
    expect(forged.status).toBe(401);

    const { SignJWT } = await import('jose');
    const expired = await new SignJWT({ scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('openib')
      .setSubject(client.client_id)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(t.server.ctx.signingKey);
    const res = await t.call('GET', '/api/v1/forex/customers', { token: expired });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/expired/);
  });

  it('answers 403 when the token lacks the route\'s scope', async () => {
    const token = await t.token(['activity:read']);
    const res = await t.call('GET', '/api/v1/forex/customers', { token });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('insufficient_scope');
  });

  it('stops honouring tokens of a revoked client on the next request', async () => {
    const admin = await t.token();
    const created = await t.call('POST', '/api/v1/clients', { token: admin, body: { name: 'temp', scopes: ['customers:read'] } });
    expect(created.status).toBe(201);
    expect(created.body.client_secret).toMatch(/^ocs_/);
    const tok = await t.call('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: created.body.client_id, client_secret: created.body.client_secret },
    });
    const before = await t.call('GET', '/api/v1/forex/customers', { token: tok.body.access_token });
    expect(before.status).toBe(200);
    const list = await t.call('GET', '/api/v1/clients', { token: admin });
    expect(JSON.stringify(list.body)).not.toMatch(/client_secret|secret_hash|ocs_/);
    expect((await t.call('DELETE', `/api/v1/clients/${created.body.client_id}`, { token: admin })).status).toBe(200);
    const after = await t.call('GET', '/api/v1/forex/customers', { token: tok.body.access_token });
    expect(after.status).toBe(401);
  });
});

describe('partner-bound API clients', () => {
  it('are created over the API, refuse admin, and carry the partner into their tokens', async () => {
    const admin = await t.token();
    const partner = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Bound IB', affiliate_id: 'IB-BOUND' } });
    expect(partner.status).toBe(201);
    const refused = await t.call('POST', '/api/v1/clients', { token: admin, body: { name: 'x', scopes: ['admin'], partner_id: partner.body.partner_id } });
    expect(refused.status).toBe(422);
    const unknown = await t.call('POST', '/api/v1/clients', { token: admin, body: { name: 'x', scopes: ['partners:read'], partner_id: 'pt_nobody' } });
    expect(unknown.status).toBe(422);
    const created = await t.call('POST', '/api/v1/clients', { token: admin, body: { name: 'IB reporting', scopes: ['partners:read'], partner_id: partner.body.partner_id } });
    expect(created.status).toBe(201);
    expect(created.body.partner_id).toBe(partner.body.partner_id);
    const tok = await t.call('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: created.body.client_id, client_secret: created.body.client_secret },
    });
    const own = await t.call('GET', `/api/v1/partners/${partner.body.partner_id}`, { token: tok.body.access_token });
    expect(own.status).toBe(200);
    const list = await t.call('GET', '/api/v1/partners', { token: tok.body.access_token });
    expect(list.body.data.map((p: { partner_id: string }) => p.partner_id)).toEqual([partner.body.partner_id]);
  });
});

describe('hostile token requests', () => {
  it('answers a NUL in the URL or a body of the wrong type with an OAuth 400, never a 500', async () => {
    for (const [raw, type] of [['', 'text/plain'], ['{"constructor":[1],"__proto__":[[]]}', 'application/json']]) {
      const res = await t.call('POST', '/oauth/token?x=a%00b', { raw, headers: { 'content-type': type } });
      expect(res.status, res.text).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
    }
  });
});
