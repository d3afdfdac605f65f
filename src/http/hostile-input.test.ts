import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_BODY_LIMIT_BYTES: String(2 * 1024 * 1024) });
  token = await t.token(['admin']);
});
afterAll(() => t.stop());

const ENDPOINTS = ['/api/v1/forex/customers', '/api/v1/forex/transactions', '/api/v1/forex/trading-activity'];
const json = { 'content-type': 'application/json' };

async function counts() {
  const out: number[] = [];
  for (const path of ENDPOINTS) out.push((await t.call('GET', path, { token })).body.meta.total);
  return out;
}

function expectClientError(res: { status: number; body: any; text: string }, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.body.error).toBeTruthy();
  if (code) expect(res.body.error.code).toBe(code);
  expect(res.text).not.toMatch(/\bat .*\.ts:\d+/); // no stack traces
}

describe.each(ENDPOINTS)('hostile input to POST %s', (path) => {
  it('answers 400 invalid_json for malformed JSON and an empty body', async () => {
    for (const raw of ['{"data": [', '[{"customer_id": "x",}]', 'nul', '']) {
      expectClientError(await t.call('POST', path, { token, raw, headers: json }), 400, 'invalid_json');
    }
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await t.call('POST', path, { token, raw: 'customer_id=1', headers: { 'content-type': 'text/plain' } });
    expectClientError(res, 415, 'unsupported_media_type');
    const form = await t.call('POST', path, { token, raw: 'customer_id=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectClientError(form, 415, 'unsupported_media_type');
  });

  it('answers 422 for 1001 records, an empty batch and a non-array body', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ customer_id: `x${i}` }));
    expectClientError(await t.call('POST', path, { token, body: many }), 422, 'batch_too_large');
    expectClientError(await t.call('POST', path, { token, body: [] }), 422, 'validation_failed');
    expectClientError(await t.call('POST', path, { token, body: { customer_id: 'x' } }), 422, 'validation_failed');
    expectClientError(await t.call('POST', path, { token, body: 'a string' }), 422, 'validation_failed');
    expectClientError(await t.call('POST', path, { token, body: [1, null, 'x', []] }), 422, 'validation_failed');
  });

  it('answers 400 for deeply nested junk, never a 5xx', async () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const res = await t.call('POST', path, { token, raw: deep, headers: json });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const nestedValue = [{ customer_id: { a: { b: { c: [[[['x']]]] } } }, signup_date: ['2026'], affiliate_id: { $gt: '' } }];
    expectClientError(await t.call('POST', path, { token, body: nestedValue }), 422, 'validation_failed');
  });

  it('answers 422 for huge strings and 413 for a body over the limit', async () => {
    const huge = [{ customer_id: 'x'.repeat(100_000), transaction_id: 'y'.repeat(100_000), signup_date: '2026-01-01', affiliate_id: '' }];
    expectClientError(await t.call('POST', path, { token, body: huge }), 422, 'validation_failed');
    const tooBig = JSON.stringify([{ customer_id: 'z'.repeat(3 * 1024 * 1024) }]);
    expectClientError(await t.call('POST', path, { token, raw: tooBig, headers: json }), 413, 'payload_too_large');
  });

  it('treats SQL and control characters in values as plain data', async () => {
    const param = path.endsWith('customers') ? 'affiliate_id' : 'customer_id';
    const res = await t.call('GET', `${path}?${param}=${encodeURIComponent("x' OR '1'='1;--")}`, { token });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
  });

  it('answers 400 for NUL characters in the query or the body', async () => {
    expectClientError(await t.call('GET', `${path}?per_page=1&x=%00`, { token }), 400, 'invalid_parameters');
    const body = '[{"customer_id":"a\\u0000b","transaction_id":"t","signup_date":"2026-01-01","affiliate_id":""}]';
    const res = await t.call('POST', path, { token, raw: body, headers: json });
    expectClientError(res, 422, 'validation_failed');
    expect(res.body.error.details).toEqual([{ field: 'customer_id', reason: expect.stringContaining('NUL') }]);
  });
});

// Values that once passed validation as numbers and failed in SQL (500): Infinity from `1e400` (Ajv coerces it and
// then skips minimum/maximum), and integers beyond a bigint or beyond what a JS number holds exactly.
const HOSTILE_INTEGERS = ['1e400', '-1e400', '99999999999999999999', '9007199254740993', '1e20'];

function integerParameters(op: Record<string, any>): Array<{ name: string; in: 'query' | 'path'; schema: any }> {
  return (op.parameters ?? []).filter((p: any) => (p.in === 'query' || p.in === 'path') && /"(integer|number)"/.test(JSON.stringify(p.schema)));
}

describe('hostile numbers in every integer query and path parameter of the OpenAPI document', () => {
  let doc: Record<string, any>;
  beforeAll(async () => {
    doc = (await t.call('GET', '/openapi.json')).body;
  });

  it('every integer query and path parameter declares a maximum', () => {
    const unbounded: string[] = [];
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths))
      for (const [method, op] of Object.entries<Record<string, any>>(item))
        for (const p of integerParameters(op)) if (!JSON.stringify(p.schema).includes('"maximum"')) unbounded.push(`${method.toUpperCase()} ${path} ${p.in}:${p.name}`);
    expect(unbounded).toEqual([]);
  });

  it('answers 400 invalid_parameters (never a 5xx) for each of them', async () => {
    const created = await t.call('POST', '/api/v1/partners', { token, body: { name: 'Hostile numbers' } });
    expect(created.status).toBe(201);
    const partnerId: string = created.body.partner_id;
    const partner = await t.token(['partners:read', 'partners:write', 'reports:read', 'payouts:read', 'postbacks:read', 'postbacks:write'], partnerId);
    const failures: string[] = [];
    let probed = 0;
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths))
      for (const [method, op] of Object.entries<Record<string, any>>(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const params = integerParameters(op);
        for (const param of params)
          for (const value of HOSTILE_INTEGERS) {
            const url = path.replace(/\{(\w+)\}/g, (_, name: string) => (param.in === 'path' && name === param.name ? value : params.some((p) => p.in === 'path' && p.name === name) ? '1' : partnerId));
            const target = param.in === 'query' ? `${url}?${param.name}=${value}` : url;
            const body = ['post', 'put', 'patch'].includes(method) ? {} : undefined;
            for (const who of [token, partner]) {
              probed++;
              const res = await t.call(method.toUpperCase(), target, { token: who, body });
              // Path and query parameters are validated before the body, so a POST with an empty body still
              // answers for the parameter; a partner token may be refused before validation (401/403).
              const ok = res.status === 400 ? res.body.error?.code === 'invalid_parameters' : res.status === 401 || res.status === 403 || (res.status === 422 && param.in === 'query');
              if (!ok) failures.push(`${res.status} ${method.toUpperCase()} ${target} ${who === token ? 'admin' : 'partner'}: ${res.text.slice(0, 200)}`);
            }
          }
      }
    expect(probed).toBeGreaterThan(100);
    expect(failures).toEqual([]);
  });
});

describe('lone UTF-16 surrogates in a JSON body', () => {
  // Written as raw JSON text: JSON.stringify would escape the lone half the same way, but this is what clients send.
  const cases: Array<[string, string, string]> = [
    ['/api/v1/forex/customers', '[{"customer_id":"S-2","signup_date":"2026-01-01","affiliate_id":"","country":"\\udc00X"}]', 'country'],
    ['/api/v1/partners', '{"name":"Lone \\ud83d half"}', 'name'],
    ['/api/v1/partners', '{"\\ud800":"x","name":"ok"}', '\ufffd'],
  ];

  it.each(cases)('POST %s answers 400 invalid_json naming the field, and stores nothing', async (path, raw, field) => {
    const res = await t.call('POST', path, { token, raw, headers: json });
    expectClientError(res, 400, 'invalid_json');
    expect(res.body.error.message).toMatch(/surrogate/);
    expect(res.body.error.details).toEqual([{ field, reason: expect.stringContaining('surrogate pair') }]);
  });

  it('keeps a complete pair, an escaped backslash before u and a literal astral character', async () => {
    const raw = '{"name":"Pair \\ud83d\\ude00 \\\\ud800 \u{1F600}"}';
    const res = await t.call('POST', '/api/v1/partners', { token, raw, headers: json });
    expect(res.status, res.text).toBe(201);
    expect(res.body.name).toBe('Pair \u{1F600} \\ud800 \u{1F600}');
  });

  it('stored no partner from the refused bodies', async () => {
    const partners = await t.call('GET', '/api/v1/partners?per_page=500', { token });
    expect(partners.body.data.map((p: { name: string }) => p.name).filter((n: string) => /Lone|ok/.test(n))).toEqual([]);
  });
});

describe('nothing is stored by rejected requests', () => {
  it('leaves every table as it was', async () => {
    expect(await counts()).toEqual([0, 0, 0]);
  });
});
