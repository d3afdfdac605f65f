import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let admin: string;
let olga: string;

beforeAll(async () => {
  t = await startTestServer();
  admin = await t.token();
  const created = await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email: 'olga@example.com', name: 'Olga Auditor', role: 'viewer', password: 'a-long-admin-password' } });
  expect(created.status, created.text).toBe(201);
  olga = created.body.data.id;
  const signIn = await t.call('POST', '/api/v1/admin/sign-in', { body: { email: 'olga@example.com', password: 'a-long-admin-password' } });
  expect(signIn.status, signIn.text).toBe(200);
});
afterAll(() => t.stop());

describe('the audit log names who acted', () => {
  it('answers the name of the login behind user:<id> and finds its entries by part of that name, in any case', async () => {
    const res = await t.call('GET', '/api/v1/audit-log?actor_name=oLGa', { token: admin });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    for (const e of res.body.data) expect(e).toMatchObject({ actor: `user:${olga}`, actor_name: 'Olga Auditor' });
    expect(res.body.data.map((e: { action: string }) => e.action)).toContain('session.sign_in');
  });

  it('names API clients too, and treats % and _ in the search as plain characters', async () => {
    const all = (await t.call('GET', '/api/v1/audit-log?action=admin_user.*', { token: admin })).body.data as { actor: string; actor_name: string | null }[];
    expect(all.length).toBeGreaterThan(0);
    expect(all[0]!.actor_name).toEqual(expect.any(String));
    expect((await t.call('GET', '/api/v1/audit-log?actor_name=%25', { token: admin })).body.data).toEqual([]);
    expect((await t.call('GET', '/api/v1/audit-log?actor_name=Olga_Auditor', { token: admin })).body.data).toEqual([]);
  });

  it('exports the entries found by name as CSV', async () => {
    const csv = await t.call('GET', '/api/v1/audit-log.csv?actor_name=olga', { token: admin });
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines.slice(1)) expect(line).toContain(`user:${olga}`);
  });
});
