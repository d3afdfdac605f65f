import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutSteps } from '../payouts/test-support.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let admin: string;
let master: string;
let sub: string;
let other: string;

beforeAll(async () => {
  t = await startTestServer();
  admin = await t.token();
  const s = payoutSteps(t, admin);
  master = await s.earner('LG-M');
  sub = await s.earner('LG-S', '10', { parent_id: master });
  other = await s.earner('LG-O');
  await s.lots('LG-M', '2', '2026-03-02');
  await s.lots('LG-S', '3', '2026-03-02');
  await s.lots('LG-O', '1', '2026-03-02');
  await s.run();
}, 180_000);
afterAll(() => t?.stop());

describe('GET /api/v1/partners/{id}/ledger and …/ledger/{entry}/explain', () => {
  it('gives a partner-bound caller its own entries and their explanations', async () => {
    const token = await t.token(['payouts:read'], sub);
    const res = await t.call('GET', `/api/v1/partners/${sub}/ledger`, { token });
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(res.body.data.every((e: { partner_id: string }) => e.partner_id === sub)).toBe(true);
    expect(res.body.data[0].amount).toMatch(/^-?\d+(\.\d+)?$/);
    const entry = res.body.data[0];
    const explained = await t.call('GET', `/api/v1/partners/${sub}/ledger/${entry.entry_id}/explain`, { token });
    expect(explained.status).toBe(200);
    expect(explained.body.entry.entry_id).toBe(entry.entry_id);
    expect(explained.body.summary).toContain(sub);
  });

  it('lists newest first, and the cursor goes on to older entries without a gap or a repeat', async () => {
    const s = payoutSteps(t, admin);
    await s.lots('LG-M', '1', '2026-03-03');
    await s.lots('LG-M', '4', '2026-03-04');
    await s.run();
    const all = (await t.call('GET', `/api/v1/partners/${master}/ledger?per_page=500`, { token: admin })).body.data as { entry_id: string; created_at: string }[];
    expect(all.length).toBeGreaterThan(2);
    const ids = (await t.server.ctx.db.query<{ entry_id: string }>(
      `SELECT entry_id FROM ledger_entries WHERE partner_id = $1 ORDER BY id DESC`,
      [master],
    )).map((r) => r.entry_id);
    expect(all.map((e) => e.entry_id)).toEqual(ids);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.call('GET', `/api/v1/partners/${master}/ledger?per_page=1${cursor ? `&cursor=${cursor}` : ''}`, { token: admin });
      expect(res.status).toBe(200);
      paged.push(...res.body.data.map((e: { entry_id: string }) => e.entry_id));
      cursor = res.body.meta.next_cursor;
    } while (cursor);
    expect(paged).toEqual(ids);
  });

  it('lets an upline read a sub-IB, never a partner outside its subtree', async () => {
    const masterToken = await t.token(['payouts:read'], master);
    expect((await t.call('GET', `/api/v1/partners/${sub}/ledger`, { token: masterToken })).status).toBe(200);
    const subToken = await t.token(['payouts:read'], sub);
    expect((await t.call('GET', `/api/v1/partners/${master}/ledger`, { token: subToken })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/partners/${other}/ledger`, { token: subToken })).status).toBe(404);
  });

  it('explains an entry only under the partner it belongs to', async () => {
    const otherEntry = (await t.call('GET', `/api/v1/partners/${other}/ledger`, { token: admin })).body.data[0];
    const subToken = await t.token(['payouts:read'], sub);
    // Another partner's entry under the caller's own partner id: 404, as for an id that does not exist.
    expect((await t.call('GET', `/api/v1/partners/${sub}/ledger/${otherEntry.entry_id}/explain`, { token: subToken })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/partners/${other}/ledger/${otherEntry.entry_id}/explain`, { token: subToken })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/partners/${other}/ledger/${otherEntry.entry_id}/explain`, { token: admin })).status).toBe(200);
  });

  it('refuses bad input clearly and needs the payouts:read scope', async () => {
    const token = await t.token(['payouts:read'], sub);
    for (const q of ['from=yesterday', 'to=2026-13-45', 'status=lost', 'per_page=0', 'extra=1']) {
      const res = await t.call('GET', `/api/v1/partners/${sub}/ledger?${q}`, { token });
      expect([400, 422]).toContain(res.status);
      expect(res.body.error.message).toBeTruthy();
    }
    for (const id of ['nope', "' OR 1=1 --", '00000000-0000-0000-0000-000000000000', 'x'.repeat(64)])
      expect((await t.call('GET', `/api/v1/partners/${sub}/ledger/${encodeURIComponent(id)}/explain`, { token })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/partners/${'p'.repeat(300)}/ledger`, { token: admin })).status).toBe(400);
    expect((await t.call('GET', '/api/v1/partners/nobody/ledger', { token: admin })).status).toBe(404);
    const reportsOnly = await t.token(['reports:read'], sub);
    expect((await t.call('GET', `/api/v1/partners/${sub}/ledger`, { token: reportsOnly })).status).toBe(403);
    expect((await t.call('GET', `/api/v1/partners/${sub}/ledger`)).status).toBe(401);
  });
});
