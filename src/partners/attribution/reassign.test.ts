import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { partnerApi } from '../../../test/helpers/partners.ts';

let t: TestServer;
let admin: string;
let api: ReturnType<typeof partnerApi>;

beforeAll(async () => {
  t = await startTestServer({ OPENIB_GUARANTEED_ATTRIBUTION_DAYS: '30' });
  admin = await t.token();
  api = partnerApi(t, admin);
});
afterAll(() => t.stop());

const reassign = (customerId: string, body: Record<string, unknown>) => t.call('POST', `/api/v1/customers/${customerId}/reassign`, { token: admin, body });

describe('reassignment', () => {
  it('is effective-dated: activity is credited to whoever owned the customer on its date, and history is kept', async () => {
    const a = await api.partner({ name: 'Hist A', affiliate_id: 'HIST-A' });
    const b = await api.partner({ name: 'Hist B' });
    const c = await api.partner({ name: 'Hist C' });
    await api.customers([{ customer_id: 'HIST-1', signup_date: '2026-01-01T00:00:00Z', affiliate_id: 'HIST-A' }]);

    const toB = await reassign('HIST-1', { partner_id: b.partner_id, effective_from: '2026-02-01T00:00:00Z', reason: 'moved to B' });
    expect(toB.status).toBe(200);
    expect(toB.body).toMatchObject({ changed: true, previous_partner_id: a.partner_id, ownership: { partner_id: b.partner_id, source: 'reassignment', reason: 'moved to B' } });
    expect(await api.ownerAt('HIST-1', '2025-12-31T23:59:59Z')).toBeNull();
    expect(await api.ownerAt('HIST-1', '2026-01-15T00:00:00Z')).toBe(a.partner_id);
    expect(await api.ownerAt('HIST-1', '2026-02-01T00:00:00Z')).toBe(b.partner_id);

    // A correction back-dated into A's period (inside its 30 guaranteed days): forced.
    const refused = await reassign('HIST-1', { partner_id: c.partner_id, effective_from: '2026-01-20T00:00:00Z', reason: 'correction' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('guaranteed_attribution_period');
    const toC = await reassign('HIST-1', { partner_id: c.partner_id, effective_from: '2026-01-20T00:00:00Z', reason: 'correction', force: true });
    expect(toC.body).toMatchObject({ changed: true, previous_partner_id: a.partner_id });

    const view = await api.attribution('HIST-1');
    expect(view.periods.map((p: { partner_id: string; effective_from: string; effective_to: string | null }) => [p.partner_id, p.effective_from, p.effective_to])).toEqual([
      [a.partner_id, '2026-01-01T00:00:00.000Z', '2026-01-20T00:00:00.000Z'],
      [c.partner_id, '2026-01-20T00:00:00.000Z', null],
    ]);
    // Superseded, kept: A open-ended, A until Feb 1, B from Feb 1.
    expect(view.history).toHaveLength(5);
    expect(view.history.filter((h: { superseded_at: string | null }) => h.superseded_at).map((h: { partner_id: string }) => h.partner_id).sort()).toEqual(
      [a.partner_id, a.partner_id, b.partner_id].sort(),
    );
    expect(await api.ownerAt('HIST-1', '2026-02-15T00:00:00Z')).toBe(c.partner_id);

    await api.ok('POST', '/api/v1/forex/transactions', [
      { transaction_id: 'HIST-T1', customer_id: 'HIST-1', transaction_type: 'deposit', amount: '250', currency: 'USD', transaction_date: '2026-01-10T12:00:00Z', status: 'approved' },
    ]);
    expect((await api.events('deposit.first')).find((e) => e.subject_id === 'HIST-1')?.data.partner_id).toBe(a.partner_id);

    const events = (await api.events('customer.reassigned')).filter((e) => e.subject_id === 'HIST-1');
    expect(events.map((e) => [e.data.previous_partner_id, e.data.partner_id, e.data.forced])).toEqual([
      [a.partner_id, b.partner_id, false],
      [a.partner_id, c.partner_id, true],
    ]);
    expect(events[1].data).toMatchObject({ reason: 'correction', effective_from: '2026-01-20T00:00:00.000Z', affiliate_id: c.affiliate_id, ancestors: [] });
  });

  it('guards the guaranteed attribution period unless forced, and changes nothing for the current owner', async () => {
    const a = await api.partner({ name: 'Guard A', affiliate_id: 'GUARD-A' });
    const b = await api.partner({ name: 'Guard B' });
    await api.customer('GUARD-1', { affiliate_id: 'GUARD-A' });
    const refused = await reassign('GUARD-1', { partner_id: b.partner_id, reason: 'asked nicely' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/guaranteed this customer until .*force/);
    const same = await reassign('GUARD-1', { partner_id: a.partner_id, reason: 'no-op' });
    expect(same.body).toMatchObject({ changed: false, previous_partner_id: a.partner_id });
    const forced = await reassign('GUARD-1', { partner_id: b.partner_id, reason: 'broker decision', force: true });
    expect(forced.status).toBe(200);
    expect((await api.attribution('GUARD-1')).current_partner_id).toBe(b.partner_id);
  });

  it('answers unknown customers, unknown or inactive partners and bad input with clear 4xx', async () => {
    const active = await api.partner({ name: 'Bad input target' });
    const pending = await api.partner({ name: 'Pending', status: 'pending' });
    await api.customer('BAD-1');
    const cases: [string, Record<string, unknown>, number, string][] = [
      ['NOBODY', { partner_id: active.partner_id, reason: 'x y z' }, 404, 'not_found'],
      ['BAD-1', { partner_id: 'pt_nobody', reason: 'x y z' }, 422, 'validation_failed'],
      ['BAD-1', { partner_id: pending.partner_id, reason: 'x y z' }, 409, 'partner_not_active'],
      ['BAD-1', { partner_id: active.partner_id }, 422, 'validation_failed'],
      ['BAD-1', { partner_id: active.partner_id, reason: 'x y z', effective_from: 'soon' }, 422, 'validation_failed'],
      ['BAD-1', { partner_id: active.partner_id, reason: 'r'.repeat(1001) }, 422, 'validation_failed'],
    ];
    for (const [customer, body, status, code] of cases) {
      const res = await reassign(customer, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    expect((await api.attribution('BAD-1')).history).toEqual([]);
  });
});
