import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiOperation } from '../../src/http/openapi-document.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { browserish } from '../helpers/sessions.ts';
import { A1_CUSTOMER, B_MARKERS, buildWorld, expiredToken, fillPath, forgedToken, PARTNER_CALLER_SCOPES, type World, WORLD_ENV } from './world.ts';

/**
 * Who calls. Each caller is just the headers it sends, so a cookie-based portal session
 * (cookie + X-CSRF-Token) is one more entry of this list.
 */
interface Caller {
  name: string;
  kind: 'unauthenticated' | 'suspended' | 'partner';
  /** The partner a partner caller acts as. */
  partner?: keyof World['ids'];
  headers: Record<string, string>;
}

let t: TestServer;
let w: World;
let callers: Caller[];

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  t = await startTestServer(WORLD_ENV, { role: 'api' });
  w = await buildWorld(t);
  const token = (partner: string) => t.token(PARTNER_CALLER_SCOPES, partner);
  // S's token is minted while S is active, then S is suspended (buildWorld did it; mint through the DB-backed helper now).
  await t.call('POST', `/api/v1/partners/${w.ids.S}/activate`, { token: w.admin, body: {} });
  const sToken = await token(w.ids.S);
  // Portal sessions (cookie + CSRF token) of A and of S, S's signed in before its suspension.
  const portal = async (partner: string, email: string) => {
    const made = await t.call('POST', `/api/v1/partners/${partner}/portal-users`, { token: w.admin, body: { email, password: 'isolation-password-1' } });
    expect(made.status, made.text).toBe(201);
    const b = browserish(t);
    const signed = await b.signIn('portal', email, 'isolation-password-1');
    expect(signed.status, signed.text).toBe(200);
    return { cookie: `openib_session=${b.cookie}`, 'x-csrf-token': b.csrf as string };
  };
  const aSession = await portal(w.ids.A, 'a-portal@isolation.test');
  const sSession = await portal(w.ids.S, 's-portal@isolation.test');
  await t.call('POST', `/api/v1/partners/${w.ids.S}/suspend`, { token: w.admin, body: { reason: 'compliance review' } });
  callers = [
    { name: 'no token', kind: 'unauthenticated', headers: {} },
    { name: 'expired token', kind: 'unauthenticated', headers: bearer(await expiredToken(t.server.ctx.signingKey, 'oc_whoever')) },
    { name: 'forged token', kind: 'unauthenticated', headers: bearer(await forgedToken('oc_whoever')) },
    { name: 'garbage token', kind: 'unauthenticated', headers: bearer('not.a.jwt') },
    { name: 'suspended partner S', kind: 'suspended', partner: 'S', headers: bearer(sToken) },
    { name: 'partner A', kind: 'partner', partner: 'A', headers: bearer(await token(w.ids.A)) },
    { name: 'upline U', kind: 'partner', partner: 'U', headers: bearer(await token(w.ids.U)) },
    { name: 'downline A1', kind: 'partner', partner: 'A1', headers: bearer(await token(w.ids.A1)) },
    { name: 'portal session of A', kind: 'partner', partner: 'A', headers: aSession },
    { name: 'portal session of suspended S', kind: 'suspended', partner: 'S', headers: sSession },
  ];
}, 120_000);
afterAll(() => t.stop());

/** Bodies that would be accepted if the caller were allowed, so the refusal comes from access rules, not validation. */
function bodyFor(op: OpenApiOperation, w: World): unknown {
  const key = `${op.method} ${op.path}`;
  const bodies: Record<string, unknown> = {
    'POST /api/v1/partners': { name: 'Intruder', parent_id: w.b.partner_id },
    'PATCH /api/v1/partners/{partner_id}': { name: 'Renamed by intruder' },
    'POST /api/v1/partners/{partner_id}/suspend': { reason: 'intruder' },
    'POST /api/v1/partners/{partner_id}/activate': {},
    'POST /api/v1/partners/{partner_id}/move': { parent_id: w.ids.A, effective_from: '2026-03-01' },
    'POST /api/v1/partners/{partner_id}/links': { destination_url: 'https://broker.example/register' },
    'PATCH /api/v1/links/{link_id}': { enabled: false },
    'POST /api/v1/customers/{customer_id}/reassign': { partner_id: w.ids.A, reason: 'intruder', effective_from: '2026-03-01' },
    'POST /api/v1/customers/{customer_id}/become-partner': { destination_url: 'https://broker.example/register' },
    'POST /api/v1/partners/{partner_id}/postbacks': { event: 'registration', url: 'http://127.0.0.1:9/steal' },
    'PATCH /api/v1/partners/{partner_id}/postbacks/{id}': { enabled: false },
    'POST /api/v1/attribution-conflicts/{conflict_id}/resolve': { action: 'accept', reason: 'intruder' },
  };
  if (key in bodies) return bodies[key];
  return op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
}

async function send(op: OpenApiOperation, path: string, headers: Record<string, string>, body: unknown) {
  const abort = new AbortController();
  const res = await fetch(t.url + path, {
    method: op.method,
    redirect: 'manual',
    signal: abort.signal,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // A live stream (server-sent events) never ends: its status is the answer.
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    abort.abort();
    return { status: res.status, text: '' };
  }
  return { status: res.status, text: await res.text() };
}

const bMarkers = () => [w.b.partner_id, B_MARKERS.name, B_MARKERS.email, B_MARKERS.customer, B_MARKERS.customerEmail, B_MARKERS.customerName, w.b.link_id, w.b.code, w.b.statement_id, w.b.postback_id, w.b.endpoint_id, w.b.client_id];

describe('route-enumeration isolation', () => {
  it('every operation refuses unauthenticated, suspended and other partners\' callers, with none of B\'s data in the body', async () => {
    const failures: string[] = [];
    const authenticated = w.ops.filter((o) => o.scope !== 'public');
    expect(authenticated.length).toBeGreaterThan(100);
    for (const op of authenticated) {
      const path = fillPath(w, op.path);
      for (const caller of callers) {
        const res = await send(op, path, caller.headers, bodyFor(op, w));
        const where = `${caller.name}: ${op.method} ${path} → ${res.status} ${res.text.slice(0, 160)}`;
        if (caller.kind === 'unauthenticated' && res.status !== 401) failures.push(where);
        if (caller.kind === 'suspended' && res.status !== 403 && res.status !== 401) failures.push(where);
        const hasPathParams = op.path.includes('{');
        if (caller.kind === 'partner' && hasPathParams && (res.status < 400 || res.status >= 500)) failures.push(where);
        if (caller.kind === 'partner' && !hasPathParams && res.status >= 500) failures.push(where);
        if (caller.kind !== 'unauthenticated' || res.status !== 401) {
          const leaked = bMarkers().filter((m) => res.text.includes(m));
          if (leaked.length && caller.kind !== 'unauthenticated') failures.push(`${where} — leaks ${leaked.join(', ')}`);
        }
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  }, 300_000);

  it('a suspended partner\'s token is refused with partner_suspended', async () => {
    const s = callers.find((c) => c.kind === 'suspended')!;
    const res = await send({ method: 'GET', path: '', scope: '', summary: '' }, `/api/v1/partners/${w.ids.S}`, s.headers, undefined);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).error.code).toBe('partner_suspended');
  });

  it('a downline (A1) is refused for its upline U and its parent A on every partner route', async () => {
    const a1 = callers.find((c) => c.partner === 'A1')!;
    const failures: string[] = [];
    for (const op of w.ops.filter((o) => /\{partner_id\}|reports\/partners\/\{id\}/.test(o.path))) {
      for (const target of [w.ids.U, w.ids.A]) {
        const path = fillPath(w, op.path, { partner_id: target, id: op.path.includes('/postbacks/') ? w.b.postback_id : target });
        const res = await send(op, path, a1.headers, bodyFor(op, w));
        if (res.status < 400 || res.status >= 500) failures.push(`${op.method} ${path} → ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  }, 120_000);

  it('an upline (U) reads A and A1 wherever partner callers may, with A1\'s customers\' personal data masked', async () => {
    const u = callers.find((c) => c.partner === 'U')!;
    const failures: string[] = [];
    // Postbacks are the partner's own tracking configuration (their URLs carry trackers' tokens): own partner only, by design.
    const reads = w.ops.filter(
      (o) =>
        o.method === 'GET' &&
        PARTNER_CALLER_SCOPES.includes(o.scope as never) &&
        !o.path.includes('/postbacks') &&
        // Payout details are the partner's own bank or wallet: own partner only, never an upline.
        !o.path.includes('/payout-details') &&
        // Due diligence, partner terms and tax forms hold the partner's identity documents and tax ids: own partner only.
        !/\/(verification|terms|tax-form|compliance)(\/|$)/.test(o.path) &&
        /^\/api\/v1\/(partners\/\{partner_id\}|reports\/partners\/\{id\})\/?[a-z-]*$/.test(o.path),
    );
    expect(reads.length).toBeGreaterThan(8);
    for (const op of reads) {
      for (const target of [w.ids.A, w.ids.A1]) {
        const path = fillPath(w, op.path, { partner_id: target, id: target });
        const res = await send(op, path, u.headers, undefined);
        if (res.status !== 200) failures.push(`${op.method} ${path} → ${res.status} ${res.text.slice(0, 160)}`);
        for (const pii of [A1_CUSTOMER.email, A1_CUSTOMER.last_name]) if (res.text.includes(pii)) failures.push(`${op.method} ${path} shows ${pii} unmasked`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  }, 120_000);
});
