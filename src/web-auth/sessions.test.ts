import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { browserish } from '../../test/helpers/sessions.ts';
import { personalDataMarker } from '../audit/personal-data.ts';
import { auditTrail } from '../audit/record.ts';
import { ManualClock } from '../worker/clock.ts';

const PASSWORD = 'a-long-enough-password';
let t: TestServer;
let clock: ManualClock;
let admin: string;
let n = 0;
const email = (tag: string) => `${tag}-${++n}@example.com`;

async function signUp(body: Record<string, unknown> = {}) {
  const b = browserish(t);
  const res = await b.call('POST', '/api/v1/portal/sign-up', { body: { name: 'Ana Lima', email: email('ana'), password: PASSWORD, ...body } });
  return { b, res };
}

async function adminUser(role: 'admin' | 'finance' | 'viewer') {
  const mail = email(role);
  const res = await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email: mail, name: `The ${role}`, role, password: PASSWORD } });
  expect(res.status, res.text).toBe(201);
  const b = browserish(t);
  expect((await b.signIn('admin', mail, PASSWORD)).status).toBe(200);
  return { b, id: res.body.data.id as string, email: mail };
}

beforeAll(async () => {
  clock = new ManualClock(Date.now());
  t = await startTestServer({ OPENIB_SIGN_IN_RATE_LIMIT_PER_MINUTE: '10000', OPENIB_SESSION_IDLE_MINUTES: '30', OPENIB_SESSION_MAX_HOURS: '2' }, { clock });
  admin = await t.token(['admin']);
});
afterAll(() => t.stop());

describe('portal sign-up and sign-in', () => {
  it('signs up, sets a safe cookie and answers who is signed in', async () => {
    const { b, res } = await signUp({ country: 'BR' });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.partner).toMatchObject({ status: 'active', parent_id: null });
    expect(res.body.data.user).toMatchObject({ kind: 'partner', role: null, partner_id: res.body.data.partner.id, partner_status: 'active' });
    expect(res.body.csrf_token).toMatch(/^[\w-]{40,}$/);
    expect(b.setCookie).toMatch(/^openib_session=[\w-]{43};/);
    expect(b.setCookie).toMatch(/HttpOnly/i);
    expect(b.setCookie).toMatch(/SameSite=Lax/i);
    expect(b.setCookie).toMatch(/Path=\//);
    expect(b.setCookie).not.toMatch(/Secure/i);
    const me = await b.call('GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.data.user.id).toBe(res.body.data.user.id);
    expect(me.body.data.scopes).toEqual(['partners:read', 'partners:write', 'reports:read', 'payouts:read', 'postbacks:read', 'postbacks:write']);
    expect(me.body.csrf_token).toBe(res.body.csrf_token);
    // The cookie reaches the partner's own API.
    const own = await b.call('GET', `/api/v1/partners/${res.body.data.partner.id}`);
    expect(own.status, own.text).toBe(200);
  });

  it('signs up through a recruit code as the recruiter\'s sub-IB', async () => {
    const master = await signUp();
    const sub = await signUp({ recruit_code: master.res.body.data.partner.referral_code });
    expect(sub.res.status, sub.res.text).toBe(201);
    expect(sub.res.body.data.partner.parent_id).toBe(master.res.body.data.partner.id);
    // The master sees its sub-IB's report; the sub-IB does not see the master's.
    expect((await master.b.call('GET', `/api/v1/reports/partners/${sub.res.body.data.partner.id}/summary`)).status).toBe(200);
    expect((await sub.b.call('GET', `/api/v1/reports/partners/${master.res.body.data.partner.id}/summary`)).status).toBe(404);
  });

  it('refuses a taken email, short passwords and hostile input, storing nothing', async () => {
    const first = await signUp();
    const mail = first.res.body.data.user.email;
    const again = await signUp({ email: mail.toUpperCase() });
    expect(again.res.status).toBe(409);
    expect(again.res.body.error.code).toBe('email_taken');
    const [{ count: before }] = await t.server.ctx.db.query<{ count: number }>('SELECT count(*)::int AS count FROM partners');
    const bad: [Record<string, unknown>, number][] = [
      [{ password: 'short' }, 422],
      [{ password: 'x'.repeat(300) }, 422],
      [{ password: { a: 1 } }, 422],
      [{ name: 'A\u0000B' }, 422],
      [{ name: 'x'.repeat(5000) }, 422],
      [{ email: 'not an email' }, 422],
      [{ email: ['a@b.c', 'd@e.f'] }, 422],
      [{ name: '\u202e\u0007bell' }, 422],
      [{ extra: 1 }, 422],
      [{ recruit_code: 'nobody-here' }, 422],
      [{ password: 'ten\u0001chars-and-more' }, 422],
    ];
    for (const [body, status] of bad) {
      const { res } = await signUp(body);
      expect(res.status, `${JSON.stringify(body).slice(0, 80)}: ${res.text}`).toBe(status);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    const huge = await t.call('POST', '/api/v1/portal/sign-up', { raw: `{"name":"${'x'.repeat(11 * 1024 * 1024)}"}`, headers: { 'content-type': 'application/json' } });
    expect(huge.status).toBe(413);
    const [{ count: after }] = await t.server.ctx.db.query<{ count: number }>('SELECT count(*)::int AS count FROM partners');
    expect(after).toBe(before);
    // Unicode in names is welcome.
    const { res } = await signUp({ name: 'Ümit Öztürk 李华 🚀' });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.user.name).toBe('Ümit Öztürk 李华 🚀');
  });

  it('signs in; a wrong password and an unknown email get the same answer', async () => {
    const { res } = await signUp();
    const mail = res.body.data.user.email;
    const b = browserish(t);
    const ok = await b.signIn('portal', `  ${mail.toUpperCase()} `.trim(), PASSWORD);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data.user.email).toBe(mail);
    const wrong = await browserish(t).signIn('portal', mail, 'not-the-password');
    const unknown = await browserish(t).signIn('portal', email('nobody'), 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toEqual(unknown.body.error);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    // A portal login is no admin login.
    expect((await browserish(t).signIn('admin', mail, PASSWORD)).status).toBe(401);
    // The audit log names the email by its keyed hash only.
    const trail = await t.server.ctx.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE action LIKE 'session.%' AND after->>'email' = $1`, [personalDataMarker(mail, 'email')]);
    expect(trail.map((r) => r.action)).toContain('session.sign_in_failed');
  });

  it('locks an email after 5 failures in 15 minutes, for 15 minutes', async () => {
    const { res } = await signUp();
    const mail = res.body.data.user.email;
    for (let i = 0; i < 4; i++) expect((await browserish(t).signIn('portal', mail, 'wrong-password')).status).toBe(401);
    const fifth = await browserish(t).signIn('portal', mail, 'wrong-password');
    expect(fifth.status).toBe(429);
    expect(fifth.body.error.code).toBe('account_locked');
    expect(Number(fifth.headers.get('retry-after'))).toBe(900);
    // Even the right password waits.
    const locked = await browserish(t).signIn('portal', mail, PASSWORD);
    expect(locked.status).toBe(429);
    clock.advance(10 * 60_000);
    expect(Number((await browserish(t).signIn('portal', mail, PASSWORD)).headers.get('retry-after'))).toBe(300);
    clock.advance(5 * 60_000 + 1000);
    expect((await browserish(t).signIn('portal', mail, PASSWORD)).status).toBe(200);
    const actions = (await auditTrail(t.server.ctx.db, 'portal_user', res.body.data.user.id)).map((e) => e.action);
    expect(actions.filter((a) => a === 'session.sign_in_failed')).toHaveLength(5);
    expect(actions).toContain('session.locked');
    // Unknown emails lock the same way, so locking tells nothing.
    const nobody = email('nobody');
    for (let i = 0; i < 4; i++) await browserish(t).signIn('portal', nobody, 'wrong-password');
    expect((await browserish(t).signIn('portal', nobody, 'wrong-password')).status).toBe(429);
  });

  it('forgets failures older than 15 minutes', async () => {
    const { res } = await signUp();
    const mail = res.body.data.user.email;
    for (let i = 0; i < 4; i++) await browserish(t).signIn('portal', mail, 'wrong-password');
    clock.advance(16 * 60_000);
    expect((await browserish(t).signIn('portal', mail, 'wrong-password')).status).toBe(401);
  });
});

describe('sessions', () => {
  it('refuses writes without the CSRF token and accepts them with it', async () => {
    const { b, res } = await signUp();
    const partnerId = res.body.data.partner.id;
    const body = { destination_url: 'https://broker.example/register' };
    const without = await b.call('POST', `/api/v1/partners/${partnerId}/links`, { body, csrf: false });
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe('csrf_failed');
    const wrong = await b.call('POST', `/api/v1/partners/${partnerId}/links`, { body, csrf: false, headers: { 'x-csrf-token': 'x'.repeat(43) } });
    expect(wrong.status).toBe(403);
    expect((await t.call('GET', `/api/v1/partners/${partnerId}/links`, { token: admin })).body.data).toHaveLength(0);
    const withToken = await b.call('POST', `/api/v1/partners/${partnerId}/links`, { body });
    expect(withToken.status, withToken.text).toBe(201);
  });

  it('ends after the idle timeout, and after the absolute limit however active', async () => {
    const { b } = await signUp();
    clock.advance(29 * 60_000);
    expect((await b.call('GET', '/api/v1/me')).status).toBe(200);
    clock.advance(29 * 60_000);
    expect((await b.call('GET', '/api/v1/me')).status).toBe(200);
    clock.advance(31 * 60_000);
    const idle = await b.call('GET', '/api/v1/me');
    expect(idle.status).toBe(401);
    const active = await signUp();
    for (let i = 0; i < 4; i++) {
      clock.advance(25 * 60_000);
      expect((await active.b.call('GET', '/api/v1/me')).status).toBe(200);
    }
    clock.advance(25 * 60_000);
    expect((await active.b.call('GET', '/api/v1/me')).status).toBe(401);
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const { b } = await signUp();
    const old = b.cookie;
    expect((await b.call('POST', '/api/v1/sign-out', { csrf: false })).status).toBe(403);
    const out = await b.call('POST', '/api/v1/sign-out');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/openib_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
    b.cookie = old;
    expect((await b.call('GET', '/api/v1/me')).status).toBe(401);
    // Without a session, signing out is harmless.
    expect((await t.call('POST', '/api/v1/sign-out')).status).toBe(204);
  });

  it('refuses sign-in and sign-up sent by a foreign site (login CSRF), even form-encoded', async () => {
    const { res } = await signUp();
    const mail = res.body.data.user.email as string;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const raw = new URLSearchParams({ email: mail, password: PASSWORD }).toString();
    const refused: Array<[string, Record<string, string>, string?]> = [
      ['/api/v1/portal/sign-in', { ...form, origin: 'https://evil.example' }, raw],
      ['/api/v1/portal/sign-in', { ...form, origin: 'null' }, raw],
      ['/api/v1/portal/sign-in', { ...form, 'sec-fetch-site': 'cross-site' }, raw],
      ['/api/v1/portal/sign-in', { 'content-type': 'application/json', origin: 'https://evil.example' }, JSON.stringify({ email: mail, password: PASSWORD })],
      ['/api/v1/admin/sign-in', { ...form, origin: 'https://evil.example' }, raw],
      ['/api/v1/portal/sign-up', { 'content-type': 'application/json', origin: 'https://evil.example' }, JSON.stringify({ name: 'Eve', email: email('eve'), password: PASSWORD })],
    ];
    for (const [path, headers, body] of refused) {
      const r = await t.call('POST', path, { raw: body, headers });
      expect(r.status, `${path} ${JSON.stringify(headers)}: ${r.text}`).toBe(403);
      expect(r.body.error.code).toBe('csrf_failed');
      expect(r.headers.get('set-cookie')).toBeNull();
    }
    // The server's own pages (same Origin, or no Origin from a non-browser client) still sign in.
    for (const headers of [{ ...form, origin: t.url, 'sec-fetch-site': 'same-origin' }, form]) {
      const ok = await t.call('POST', '/api/v1/portal/sign-in', { raw, headers });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.headers.get('set-cookie')).toMatch(/^openib_session=/);
    }
  });

  it('a password change ends the other sessions and keeps this one', async () => {
    const { b, res } = await signUp();
    const other = browserish(t);
    expect((await other.signIn('portal', res.body.data.user.email, PASSWORD)).status).toBe(200);
    const wrong = await b.call('POST', '/api/v1/me/password', { body: { current_password: 'not-it-at-all', new_password: 'another-long-password' } });
    expect(wrong.status).toBe(422);
    expect((await b.call('POST', '/api/v1/me/password', { body: { current_password: PASSWORD, new_password: 'short' } })).status).toBe(422);
    const changed = await b.call('POST', '/api/v1/me/password', { body: { current_password: PASSWORD, new_password: 'another-long-password' } });
    expect(changed.status, changed.text).toBe(204);
    expect((await b.call('GET', '/api/v1/me')).status).toBe(200);
    expect((await other.call('GET', '/api/v1/me')).status).toBe(401);
    expect((await browserish(t).signIn('portal', res.body.data.user.email, PASSWORD)).status).toBe(401);
    expect((await browserish(t).signIn('portal', res.body.data.user.email, 'another-long-password')).status).toBe(200);
    expect((await auditTrail(t.server.ctx.db, 'portal_user', res.body.data.user.id)).map((e) => e.action)).toContain('user.password_changed');
  });

  it('a suspended partner\'s session stops working on the next request', async () => {
    const { b, res } = await signUp();
    expect((await b.call('GET', '/api/v1/me')).status).toBe(200);
    const suspended = await t.call('POST', `/api/v1/partners/${res.body.data.partner.id}/suspend`, { token: admin, body: { reason: 'test' } });
    expect(suspended.status, suspended.text).toBeLessThan(300);
    expect((await b.call('GET', '/api/v1/me')).status).toBe(401);
    const again = await browserish(t).signIn('portal', res.body.data.user.email, PASSWORD);
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('account_disabled');
  });

  it('/me is for people: API tokens and no session get 401', async () => {
    expect((await t.call('GET', '/api/v1/me', { token: admin })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/me')).status).toBe(401);
    expect((await t.call('GET', '/api/v1/me', { headers: { cookie: 'openib_session=forged' } })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/me', { headers: { cookie: `openib_session=${'a'.repeat(43)}` } })).status).toBe(401);
  });

  it('a bearer token wins over the cookie', async () => {
    const { b, res } = await signUp();
    const other = await signUp();
    const token = await t.token(['partners:read'], other.res.body.data.partner.id);
    const asToken = await b.call('GET', `/api/v1/partners/${res.body.data.partner.id}`, { token });
    expect(asToken.status).toBe(404);
  });
});

describe('admin users', () => {
  it('roles: viewer reads but cannot write; finance reads everything; admin does everything', async () => {
    const viewer = await adminUser('viewer');
    const finance = await adminUser('finance');
    const boss = await adminUser('admin');
    for (const u of [viewer, finance, boss]) expect((await u.b.call('GET', '/api/v1/partners')).status).toBe(200);
    const create = { name: 'By a person', affiliate_id: `BY-${n}` };
    const refused = await viewer.b.call('POST', '/api/v1/partners', { body: create });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('insufficient_scope');
    expect((await finance.b.call('POST', '/api/v1/partners', { body: create })).status).toBe(403);
    expect((await finance.b.call('GET', '/api/v1/admin-users')).status).toBe(200);
    expect((await finance.b.call('POST', '/api/v1/admin-users', { body: { email: email('x'), name: 'X', role: 'viewer' } })).status).toBe(403);
    const made = await boss.b.call('POST', '/api/v1/partners', { body: create });
    expect(made.status, made.text).toBe(201);
    const me = await finance.b.call('GET', '/api/v1/me');
    expect(me.body.data.user).toMatchObject({ kind: 'admin', role: 'finance', partner_id: null, partner_status: null });
    expect(me.body.data.scopes).toEqual(['read:all', 'payouts:write']);
  });

  it('creates with a one-time password, changes roles, disables with immediate effect, audits each', async () => {
    const created = await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email: email('ops'), name: 'Ops', role: 'viewer' } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.one_time_password).toMatch(/^[\w-]{20}$/);
    const id = created.body.data.id;
    const b = browserish(t);
    expect((await b.signIn('admin', created.body.data.email, created.body.one_time_password)).status).toBe(200);
    expect((await b.call('POST', '/api/v1/partners', { body: { name: 'Nope' } })).status).toBe(403);
    const promoted = await t.call('PATCH', `/api/v1/admin-users/${id}`, { token: admin, body: { role: 'admin' } });
    expect(promoted.body.data.role).toBe('admin');
    expect((await b.call('GET', '/api/v1/me')).body.data.scopes).toEqual(['admin']);
    const disabled = await t.call('PATCH', `/api/v1/admin-users/${id}`, { token: admin, body: { disabled: true } });
    expect(disabled.body.data.disabled).toBe(true);
    expect((await b.call('GET', '/api/v1/partners')).status).toBe(401);
    expect((await browserish(t).signIn('admin', created.body.data.email, created.body.one_time_password)).status).toBe(403);
    const actions = (await auditTrail(t.server.ctx.db, 'admin_user', id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['admin_user.create', 'session.sign_in', 'admin_user.role_changed', 'admin_user.disabled']));
    const list = await t.call('GET', '/api/v1/admin-users', { token: admin });
    expect(list.body.data.find((u: { id: string }) => u.id === id)).toMatchObject({ role: 'admin', disabled: true });
    expect(JSON.stringify(list.body)).not.toMatch(/argon2|password/);
  });

  it('a disabled user signed in elsewhere loses access on the next request, even with a session row left', async () => {
    const u = await adminUser('viewer');
    await t.server.ctx.db.query('UPDATE admin_users SET disabled_at = now() WHERE user_id = $1', [u.id]);
    expect((await u.b.call('GET', '/api/v1/partners')).status).toBe(401);
  });

  it('refuses bad admin-user input and duplicate emails', async () => {
    const bad = [
      { email: email('a'), name: 'A', role: 'owner' },
      { email: email('a'), name: '', role: 'viewer' },
      { email: email('a'), name: 'A\u0007', role: 'viewer' },
      { email: email('a'), name: 'A', role: 'viewer', password: 'short' },
      { email: 'nope', name: 'A', role: 'viewer' },
      { email: email('a'), name: 'A', role: 'viewer', admin: true },
    ];
    for (const body of bad) expect((await t.call('POST', '/api/v1/admin-users', { token: admin, body })).status, JSON.stringify(body)).toBe(422);
    const mail = email('dup');
    expect((await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email: mail, name: 'A', role: 'viewer' } })).status).toBe(201);
    const dup = await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email: mail.toUpperCase(), name: 'B', role: 'viewer' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('email_taken');
    expect((await t.call('PATCH', '/api/v1/admin-users/au_missing', { token: admin, body: { role: 'viewer' } })).status).toBe(404);
    expect((await t.call('PATCH', '/api/v1/admin-users/au_missing', { token: admin, body: {} })).status).toBe(422);
  });

  it('invites a portal login for an existing partner', async () => {
    const b = brokerSteps(t, admin);
    const partnerId = await b.partner(`INV-${n}`);
    const mail = email('invited');
    const res = await t.call('POST', `/api/v1/partners/${partnerId}/portal-users`, { token: admin, body: { email: mail } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.data.partner_id).toBe(partnerId);
    const s = browserish(t);
    const signed = await s.signIn('portal', mail, res.body.one_time_password);
    expect(signed.body.data.user.partner_id).toBe(partnerId);
    expect((await t.call('POST', '/api/v1/partners/pt_missing/portal-users', { token: admin, body: { email: email('x') } })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/partners/${partnerId}/portal-users`, { token: admin, body: { email: mail } })).status).toBe(409);
    const partnerToken = await t.token(['partners:write'], partnerId);
    expect((await t.call('POST', `/api/v1/partners/${partnerId}/portal-users`, { token: partnerToken, body: { email: email('x') } })).status).toBe(403);
    expect((await auditTrail(t.server.ctx.db, 'portal_user', res.body.data.id)).map((e) => e.action)).toContain('portal_user.create');
  });

  it('lists, renames, disables, re-enables a portal login and resets its password, each audited once', async () => {
    const b = brokerSteps(t, admin);
    const partnerId = await b.partner(`PU-${n}`);
    const mail = email('team');
    const made = await t.call('POST', `/api/v1/partners/${partnerId}/portal-users`, { token: admin, body: { email: mail, password: PASSWORD, name: 'Team Lead' } });
    const userId = made.body.data.id;
    const list = await t.call('GET', `/api/v1/partners/${partnerId}/portal-users`, { token: admin });
    expect(list.body.data).toEqual([expect.objectContaining({ id: userId, email: mail, name: 'Team Lead', disabled: false })]);

    const s = browserish(t);
    expect((await s.signIn('portal', mail, PASSWORD)).status).toBe(200);
    const patch = (body: unknown) => t.call('PATCH', `/api/v1/partners/${partnerId}/portal-users/${userId}`, { token: admin, body });
    expect((await patch({ name: 'Team Lead (Dubai)' })).body.data.name).toBe('Team Lead (Dubai)');
    const disabled = await patch({ disabled: true });
    expect(disabled.body.data.disabled).toBe(true);
    expect((await s.call('GET', '/api/v1/me')).status).toBe(401);
    const refused = await browserish(t).signIn('portal', mail, PASSWORD);
    expect([refused.status, refused.body.error.code]).toEqual([403, 'account_disabled']);
    expect((await patch({ disabled: false })).body.data.disabled).toBe(false);
    const reset = await patch({ reset_password: true });
    expect(reset.status, reset.text).toBe(200);
    expect(reset.body.one_time_password).toEqual(expect.any(String));
    expect((await browserish(t).signIn('portal', mail, PASSWORD)).status).toBe(401);
    expect((await browserish(t).signIn('portal', mail, reset.body.one_time_password)).status).toBe(200);

    // Wrong partner, unknown user, empty or unknown fields, a partner's own token: refused, nothing changed.
    const other = await b.partner(`PU-O-${n}`);
    expect((await t.call('PATCH', `/api/v1/partners/${other}/portal-users/${userId}`, { token: admin, body: { disabled: true } })).status).toBe(404);
    expect((await t.call('PATCH', `/api/v1/partners/${partnerId}/portal-users/pu_missing`, { token: admin, body: { disabled: true } })).status).toBe(404);
    for (const body of [{}, { reset_password: false }, { name: '' }, { email: 'x@example.com' }, { disabled: 'yes' }]) expect((await patch(body)).status, JSON.stringify(body)).toBe(422);
    const own = await t.token(['partners:write', 'partners:read'], partnerId);
    expect((await t.call('PATCH', `/api/v1/partners/${partnerId}/portal-users/${userId}`, { token: own, body: { disabled: true } })).status).toBe(403);
    expect((await t.call('GET', `/api/v1/partners/${partnerId}/portal-users`, { token: own })).status).toBe(403);
    expect((await t.call('GET', `/api/v1/partners/${partnerId}/portal-users`, { token: admin })).body.data[0]).toMatchObject({ name: 'Team Lead (Dubai)', disabled: false });

    const actions = (await auditTrail(t.server.ctx.db, 'portal_user', userId)).map((e) => e.action).filter((a) => !a.startsWith('session.'));
    expect(actions).toEqual(['portal_user.create', 'portal_user.renamed', 'portal_user.disabled', 'portal_user.enabled', 'portal_user.password_reset']);
    const all = await t.server.ctx.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE subject_id = $1 OR after::text LIKE $2`, [userId, `%${userId}%`]);
    expect(all.filter((e) => !e.action.startsWith('session.')).map((e) => e.action).sort()).toEqual([...actions].sort());
  });
});

describe('OpenAPI', () => {
  it('documents the session routes', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body;
    for (const path of ['/api/v1/portal/sign-up', '/api/v1/portal/sign-in', '/api/v1/admin/sign-in', '/api/v1/sign-out', '/api/v1/me', '/api/v1/me/password', '/api/v1/admin-users', '/api/v1/admin-users/{id}', '/api/v1/partners/{id}/portal-users', '/api/v1/partners/{id}/portal-users/{user_id}', '/api/v1/embed-tokens', '/api/v1/embed/widget'])
      expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths['/api/v1/portal/sign-in'].post.security).toEqual([]);
  });
});

describe('cookie flags', () => {
  it('marks the cookie Secure when configured', async () => {
    const secure = await startTestServer({ OPENIB_COOKIE_SECURE: '1' });
    try {
      const b = browserish(secure);
      const res = await b.call('POST', '/api/v1/portal/sign-up', { body: { name: 'Secure', email: email('s'), password: PASSWORD } });
      expect(res.status).toBe(201);
      expect(b.setCookie).toMatch(/; Secure/i);
    } finally {
      await secure.stop();
    }
  });

  it('limits sign-in attempts per IP address', async () => {
    const limited = await startTestServer({ OPENIB_SIGN_IN_RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await browserish(limited).signIn('admin', email('rl'), 'whatever-password')).status);
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.stop();
    }
  });
});
