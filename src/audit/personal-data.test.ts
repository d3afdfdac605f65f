import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { browserish } from '../../test/helpers/sessions.ts';
import { personalDataMarker } from './personal-data.ts';

let t: TestServer;
let admin: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_SIGN_IN_RATE_LIMIT_PER_MINUTE: '10000' });
  admin = await t.token(['admin']);
});
afterAll(() => t.stop());

const PASSWORD = 'a-long-enough-password';
const entries = (action: string) =>
  t.server.ctx.db.query<{ subject_id: string; before: any; after: any }>('SELECT subject_id, before, after FROM audit_log WHERE action = $1 ORDER BY id', [action]);

describe('the audit log holds no personal data in clear', () => {
  it('records that a partner email was set or changed, as a keyed hash, never the address', async () => {
    const made = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Gulf Traders FZE', email: 'Owner@Gulf.example' } });
    expect(made.status, made.text).toBe(201);
    const id = made.body.partner_id;
    const changed = await t.call('PATCH', `/api/v1/partners/${id}`, { token: admin, body: { email: 'new-owner@gulf.example' } });
    expect(changed.status, changed.text).toBe(200);

    const [created] = await entries('partners.create');
    expect(created.after.email).toBe(personalDataMarker('owner@gulf.example', 'email'));
    expect(created.after.email).toMatch(/^\[personal data, hmac [0-9a-f]{16}\]$/);
    expect(created.after.name).toBe('Gulf Traders FZE'); // a partner's trading name stays readable
    const [updated] = await entries('partners.update');
    expect(updated.after.changed).toEqual(['email']);
    expect(updated.before.email).toBe(created.after.email);
    expect(updated.after.email).not.toBe(updated.before.email);
  });

  it('keeps portal and admin logins\' emails and names out, also for sign-up and failed sign-ins', async () => {
    const signUp = await browserish(t).call('POST', '/api/v1/portal/sign-up', { body: { name: 'Ana Lima', email: 'ana.lima@example.com', password: PASSWORD } });
    expect(signUp.status, signUp.text).toBe(201);
    const partnerId = signUp.body.data.partner.id;
    const invited = await t.call('POST', `/api/v1/partners/${partnerId}/portal-users`, { token: admin, body: { email: 'bruno.costa@example.com', name: 'Bruno Costa' } });
    expect(invited.status, invited.text).toBe(201);
    const staff = await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email: 'carla.staff@example.com', name: 'Carla Staff', role: 'viewer', password: PASSWORD } });
    expect(staff.status, staff.text).toBe(201);
    expect((await browserish(t).signIn('portal', 'ana.lima@example.com', 'not-the-password')).status).toBe(401);
    expect((await browserish(t).signIn('portal', 'nobody.here@example.com', 'not-the-password')).status).toBe(401);

    const created = await entries('portal_user.create');
    expect(created.map((e) => e.after.email)).toEqual([personalDataMarker('ana.lima@example.com', 'email'), personalDataMarker('bruno.costa@example.com', 'email')]);
    expect(created[1].after.name).toBe(personalDataMarker('Bruno Costa', 'name'));
    const failed = await entries('session.sign_in_failed');
    expect(failed.map((e) => e.after.email)).toEqual([personalDataMarker('ana.lima@example.com', 'email'), personalDataMarker('nobody.here@example.com', 'email')]);
    expect(failed[1].subject_id).toBe(personalDataMarker('nobody.here@example.com', 'email'));

    const [{ text }] = await t.server.ctx.db.query<{ text: string }>(`SELECT string_agg(subject_id || ' ' || coalesce(before::text, '') || ' ' || coalesce(after::text, ''), ' ') AS text FROM audit_log`);
    for (const clear of ['@example.com', '@gulf.example', 'Ana Lima', 'Bruno Costa', 'Carla Staff']) expect(text).not.toContain(clear);
  });
});
