import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { browserish } from '../../test/helpers/sessions.ts';
import { DEMO_ADMIN_LOGINS, DEMO_PORTAL_LOGINS } from './demo.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_DEMO: '1' }, { persistent: true });
});
afterAll(() => t.stop());

describe('demo logins', () => {
  it('signs in to the admin console with each demo role', async () => {
    for (const login of DEMO_ADMIN_LOGINS) {
      const res = await browserish(t).signIn('admin', login.email, login.password);
      expect(res.status, login.email).toBe(200);
      expect(res.body.data.user.role).toBe(login.role);
    }
  });

  it('signs in to the portal as the master IB and its sub-IB, each seeing its own subtree', async () => {
    const [master, sub] = [browserish(t), browserish(t)];
    const m = await master.signIn('portal', DEMO_PORTAL_LOGINS[0].email, DEMO_PORTAL_LOGINS[0].password);
    const s = await sub.signIn('portal', DEMO_PORTAL_LOGINS[1].email, DEMO_PORTAL_LOGINS[1].password);
    expect(m.status).toBe(200);
    expect(s.status).toBe(200);
    const subId = s.body.data.user.partner_id;
    const masterId = m.body.data.user.partner_id;
    expect((await master.call('GET', `/api/v1/partners/${subId}`)).body.parent_id).toBe(masterId);
    expect((await sub.call('GET', `/api/v1/reports/partners/${masterId}/summary`)).status).toBe(404);
  });

  it('keeps the logins across restarts without duplicating them', async () => {
    await t.restart();
    const [{ count }] = await t.server.ctx.db.query<{ count: number }>('SELECT count(*)::int AS count FROM admin_users');
    expect(count).toBe(DEMO_ADMIN_LOGINS.length);
  });
});
