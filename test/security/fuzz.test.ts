import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Hostile input against every operation of the OpenAPI document, with an admin token: never a
 * 5xx, never a stack trace or source path in the answer, and a refused request stores nothing.
 * OPENIB_FUZZ_RUNS cases per operation (2 by default, so CI stays under a minute); the seed is fixed.
 */
const RUNS = Number(process.env.OPENIB_FUZZ_RUNS ?? 2);
const SEED = 20261121;

let t: TestServer;
let admin: string;
let doc: any;
let fingerprintSql: string;

// Bookkeeping that any request may touch: the audit log, idempotency keys, rate-limit and usage stamps
// (on a server database the per-IP and per-client limits of sign-in and the token endpoint count
// every attempt, refused or not, in rate_limit_windows).
const NOT_FINGERPRINTED = new Set(['audit_log', 'idempotency_keys', 'schema_migrations', 'settings', 'rate_limit_windows']);

beforeAll(async () => {
  // cTrader Invite configured, so its credentials and body checks are what the fuzz meets (unconfigured it answers 503 by design).
  t = await startTestServer({ OPENIB_RATE_LIMIT_PER_MINUTE: '1000000', OPENIB_OUTBOUND_ALLOWLIST: '127.0.0.1/32', OPENIB_CTRADER_INVITE_USER: 'fuzz', OPENIB_CTRADER_INVITE_PASSWORD: 'fuzz-password-0123456789' }, { role: 'api' });
  admin = await t.token(['admin']);
  doc = (await t.call('GET', '/openapi.json')).body;
  const tables = await t.server.ctx.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const counted = tables.map((r) => r.table_name).filter((n) => !NOT_FINGERPRINTED.has(n));
  fingerprintSql = `SELECT ${counted.map((n) => `(SELECT count(*) FROM "${n}")::int AS "${n}"`).join(', ')}`;
}, 180_000);
afterAll(() => t.stop());

/** Percent-encodes; a lone surrogate becomes the bytes of invalid UTF-8, which the server must refuse cleanly. */
const enc = (v: string) => {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
};

const fingerprint = async () => JSON.stringify((await t.server.ctx.db.query(fingerprintSql))[0]);

const HOSTILE_STRINGS = [
  "' OR 1=1; DROP TABLE partners; --",
  '"; SELECT pg_sleep(10); --',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'a\u0000b',
  '\u0000',
  '../../../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '${jndi:ldap://x}',
  '{{7*7}}',
  'NaN',
  '-Infinity',
  '-1',
  '1e309',
  '123456789012345678901234567890.123456789',
  '0x7fffffff',
  '\uD800',
  '\uFEFF',
  'A'.repeat(100_000),
  '',
  ' ',
  '2026-02-31',
  '9999-99-99T99:99:99Z',
];

const hostileScalar = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.1, []),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
);

const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, hostileScalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'), fc.string({ maxLength: 10 })), tie('value'), { maxKeys: 4 }),
})).value;

/** Field names of an operation's JSON body schema (top level and array items), so hostile values reach real fields. */
function bodyFields(op: any): string[] {
  let schema = op.requestBody?.content?.['application/json']?.schema;
  if (!schema) return [];
  const seen = new Set<string>();
  const walk = (s: any, depth: number) => {
    if (!s || typeof s !== 'object' || depth > 3) return;
    if (s.$ref) s = doc.components?.schemas?.[s.$ref.split('/').pop()];
    if (!s) return;
    for (const k of Object.keys(s.properties ?? {})) seen.add(k);
    for (const sub of [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])]) walk(sub, depth + 1);
    if (s.items) walk(s.items, depth + 1);
    if (s.properties?.data) walk(s.properties.data, depth + 1);
  };
  walk(schema, 0);
  return [...seen];
}

const RAW_BODIES: (string | Buffer)[] = [
  '['.repeat(20_000) + ']'.repeat(20_000),
  '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000),
  '{"__proto__":{"admin":true},"constructor":{"prototype":{"polluted":true}}}',
  '[{"__proto__":{"isAdmin":true}}]',
  Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
  Buffer.from([0xef, 0xbb, 0xbf, 0x5b, 0x5d]),
  '{"amount": 1e99999}',
  '{"amount": 123456789012345678901234567890123456789}',
  '{"a":1,"a":2}',
  'null',
  '"just a string"',
  '{',
  '',
  'name=x&name=y&__proto__[admin]=1',
  '--x\r\nContent-Disposition: form-data; name="file"; filename="../../x.csv"\r\n\r\na,b\r\n--x--\r\n',
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-16',
  'application/json; charset=nope',
  'text/plain',
  'text/csv',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json, application/json',
  '',
];

interface Case {
  body: string | Buffer | undefined;
  contentType: string;
  query: string;
  headers: Record<string, string>;
  pathValue: string | undefined;
}

function caseArb(op: any): fc.Arbitrary<Case> {
  const fields = bodyFields(op);
  const objectBody = fc
    .dictionary(fields.length ? fc.oneof(fc.constantFrom(...fields), fc.constantFrom('__proto__', 'constructor')) : fc.string({ maxLength: 10 }), hostileValue, { maxKeys: 6 })
    .map((o) => JSON.stringify(o));
  const body = fc.oneof(
    objectBody,
    objectBody.map((o) => `[${o},${o}]`),
    hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
    fc.constantFrom(...RAW_BODIES),
    fc.constant(undefined),
  );
  const params: string[] = (op.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => p.name);
  const query = fc
    .array(fc.tuple(params.length ? fc.oneof(fc.constantFrom(...params), fc.constant('__proto__')) : fc.constant('x'), fc.constantFrom(...HOSTILE_STRINGS.slice(0, -5), '1', '0', '-5', '2026-01-01', 'true', '[]', '%ZZ')), { maxLength: 4 })
    .map((pairs) => pairs.map(([k, v]) => `${enc(k)}=${v === '%ZZ' ? v : enc(v.slice(0, 2000))}`).join('&'));
  const headers = fc.oneof(
    fc.constant({}),
    fc.constant({ 'x-long': 'a'.repeat(8_000) }),
    fc.constant({ 'idempotency-key': "' OR 1=1 --" }),
    fc.constant({ 'idempotency-key': 'k'.repeat(300) }),
    fc.constant({ 'x-request-id': '<script>' }),
    fc.constant({ 'x-forwarded-for': 'not-an-ip, 999.1.1.1' }),
    fc.constant({ accept: 'text/html' }),
  );
  const pathValue = fc.oneof(fc.constant(undefined), fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 1000 && s.length > 0)));
  return fc.record({ body, contentType: fc.constantFrom(...CONTENT_TYPES), query, headers, pathValue });
}

const LEAK = [/\/src\//, /\.ts:\d/, /\n\s+at [\w.<]/, /node_modules/, /at [\w.]+ \((?:file|\/)/];

describe('fuzz: hostile input on every operation', () => {
  it('never answers 5xx or a stack trace, and a refused request stores nothing', async () => {
    const failures: string[] = [];
    let requests = 0;
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const cases = fc.sample(caseArb(op), { seed: SEED + path.length * 31 + method.length, numRuns: RUNS });
        for (const c of cases) {
          const url = path.replace(/\{(\w+)\}/g, (_, name: string) =>
            c.pathValue === undefined ? (name === 'period' ? '2026-01' : `zz_${name}`) : enc(c.pathValue),
          );
          const headers: Record<string, string> = { authorization: `Bearer ${admin}`, ...c.headers };
          const sendsBody = method !== 'get' && c.body !== undefined;
          if (sendsBody && c.contentType) headers['content-type'] = c.contentType;
          const before = await fingerprint();
          const abort = new AbortController();
          let status: number;
          let text: string;
          try {
            const res = await fetch(`${t.url}${url}${c.query ? `?${c.query}` : ''}`, {
              method: method.toUpperCase(),
              headers,
              body: sendsBody ? c.body : undefined,
              redirect: 'manual',
              signal: abort.signal,
            });
            status = res.status;
            if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
              abort.abort();
              text = '';
            } else text = await res.text();
          } catch (err) {
            failures.push(`${method.toUpperCase()} ${url}: request failed ${(err as Error).message}`);
            continue;
          }
          requests++;
          const where = `${method.toUpperCase()} ${url.slice(0, 120)}?${c.query.slice(0, 120)} [${c.contentType}] body=${String(c.body ?? '').slice(0, 120)} → ${status} ${text.slice(0, 300)}`;
          if (status >= 500) failures.push(where);
          if (LEAK.some((re) => re.test(text))) failures.push(`stack trace or path: ${where}`);
          if (status >= 400 && status < 500 && (await fingerprint()) !== before) failures.push(`stored something: ${where}`);
        }
      }
    }
    expect(requests).toBeGreaterThan(100);
    expect(failures, failures.join('\n')).toEqual([]);
  }, 600_000);
});
