import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let admin: string;
let master: string;
let sub: string;

beforeAll(async () => {
  t = await startTestServer();
  admin = await t.token(['admin']);
  master = (await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Master IB' } })).body.partner_id;
  sub = (await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Sub IB', parent_id: master } })).body.partner_id;
});
afterAll(() => t.stop());

const path = (id: string) => `/api/v1/partners/${id}/payout-details`;
const bank = { method: 'bank_transfer', details: { account_holder: 'Master IB Ltd', iban: 'GB82 WEST 1234 5698 7654 32', swift_bic: 'westgb2l' } };

describe('partner payout details', () => {
  it('null before any are set; the partner sets its own and reads them in full; stored sealed', async () => {
    const own = await t.token(['partners:read', 'partners:write'], master);
    const none = await t.call('GET', path(master), { token: own });
    expect(none.status).toBe(200);
    expect(none.body.data).toBeNull();
    const put = await t.call('PUT', path(master), { token: own, body: bank });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ changed: true, data: { method: 'bank_transfer', details: { account_holder: 'Master IB Ltd', iban: 'GB82WEST12345698765432', swift_bic: 'WESTGB2L' } } });
    expect((await t.call('GET', path(master), { token: own })).body.data.details.iban).toBe('GB82WEST12345698765432');
    expect((await t.call('GET', path(master), { token: admin })).body.data.details.iban).toBe('GB82WEST12345698765432');
    const [row] = await t.server.ctx.db.query<{ details_sealed: string }>('SELECT details_sealed FROM partner_payout_details WHERE partner_id = $1', [master]);
    expect(row.details_sealed).toMatch(/^enc:v1:/);
    expect(row.details_sealed).not.toContain('GB82');
    // The same details again change nothing.
    expect((await t.call('PUT', path(master), { token: own, body: bank })).body.changed).toBe(false);
  });

  it('a change is audited masked and emits partner.payout_details_changed', async () => {
    const own = await t.token(['partners:read', 'partners:write'], master);
    const res = await t.call('PUT', path(master), { token: own, body: { method: 'crypto_wallet', details: { network: 'TRC20', address: 'TNewAttackerWallet0000000000009876' } } });
    expect(res.status).toBe(200);
    const audit = await t.server.ctx.db.query<{ before: any; after: any }>(`SELECT before, after FROM audit_log WHERE action = 'partner.payout_details.set' AND subject_id = $1 ORDER BY id`, [master]);
    expect(audit).toHaveLength(2);
    expect(audit[1].before).toEqual({ method: 'bank_transfer', details: { account_holder: 'Master IB Ltd', iban: '••••5432', swift_bic: 'WESTGB2L' } });
    expect(audit[1].after.details.address).toBe('••••9876');
    expect(JSON.stringify(audit)).not.toContain('GB82WEST');
    const events = (await t.call('GET', '/api/v1/events?type=partner.payout_details_changed&limit=10', { token: admin })).body.data;
    expect(events.at(-1)).toMatchObject({ subject_id: master, data: { method: 'crypto_wallet', previous_method: 'bank_transfer', first_time: false } });
    expect(JSON.stringify(events)).not.toContain('TNewAttacker');
  });

  it('an upline cannot read or set a sub-IB\'s details, a sub-IB not its upline\'s; broker clients need admin', async () => {
    const upline = await t.token(['partners:read', 'partners:write'], master);
    const downline = await t.token(['partners:read', 'partners:write'], sub);
    expect((await t.call('PUT', path(sub), { token: downline, body: bank })).status).toBe(200);
    expect((await t.call('GET', path(sub), { token: upline })).status).toBe(404);
    expect((await t.call('PUT', path(sub), { token: upline, body: bank })).status).toBe(404);
    expect((await t.call('GET', path(master), { token: downline })).status).toBe(404);
    const readOnly = await t.token(['partners:read'], master);
    expect((await t.call('PUT', path(master), { token: readOnly, body: bank })).status).toBe(403);
    const broker = await t.token(['partners:read', 'partners:write']);
    expect((await t.call('GET', path(master), { token: broker })).status).toBe(403);
    expect((await t.call('GET', path('pt_nobody'), { token: admin })).status).toBe(404);
    expect((await t.call('PUT', path('pt_nobody'), { token: admin, body: bank })).status).toBe(404);
  });

  it('refuses malformed, oversized, NUL-bearing and unknown input, storing nothing', async () => {
    const fresh = (await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Fresh IB' } })).body.partner_id;
    const bad: unknown[] = [
      {},
      { method: 'cash', details: {} },
      { method: 'bank_transfer' },
      { method: 'bank_transfer', details: { account_holder: 'A' } },
      { method: 'bank_transfer', details: { ...bank.details, iban: 'not an iban' } },
      { method: 'bank_transfer', details: { ...bank.details, swift_bic: 'XX' } },
      { method: 'bank_transfer', details: { ...bank.details, routing: '123' } },
      { method: 'bank_transfer', details: { ...bank.details, account_holder: 'x'.repeat(201) } },
      { method: 'bank_transfer', details: { ...bank.details, account_holder: 'Nul\u0000Byte' } },
      { method: 'bank_transfer', details: { ...bank.details, account_holder: 'line\nbreak' } },
      { method: 'crypto_wallet', details: { network: 'TRC20', address: "'; DROP TABLE partners; --" } },
      { method: 'e_wallet', details: { provider: 'Skrill' } },
      { method: 'other', details: { instructions: '' } },
      { ...bank, extra: true },
      { method: 'other', details: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, 'x'])) },
      [bank],
      'bank',
    ];
    for (const body of bad) {
      const res = await t.call('PUT', path(fresh), { token: admin, body });
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(body)).toBeLessThan(500);
    }
    expect((await t.call('PUT', path(fresh), { token: admin, raw: '{"method":"other","details":', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await t.call('PUT', path(fresh), { token: admin, raw: `{"method":"other","details":{"instructions":"${'x'.repeat(20_000_000)}"}}`, headers: { 'content-type': 'application/json' } })).status).toBeGreaterThanOrEqual(400);
    expect((await t.call('GET', path(fresh), { token: admin })).body).toEqual({ data: null });
    const [{ n }] = await t.server.ctx.db.query<{ n: number }>('SELECT count(*)::int AS n FROM partner_payout_details WHERE partner_id = $1', [fresh]);
    expect(n).toBe(0);
  });
});
