import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { ManualClock } from '../worker/clock.ts';

let t: TestServer;
let b: ReturnType<typeof brokerSteps>;
let admin: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' }, { clock: new ManualClock(new Date('2026-05-20T12:00:00Z')) });
  admin = await t.token(['admin']);
  b = brokerSteps(t, admin);
});
afterAll(() => t.stop());

describe('periods for finance: which months are closed, and what closing one settles', () => {
  it('previews the close of a tiered month without keeping anything, then closes it with exactly that', async () => {
    await b.plan({
      plan_id: 'tier-preview',
      name: 'Tiers',
      currency: 'USD',
      rules: [{ type: 'tiered_per_lot', period: 'month', mode: 'retroactive', tiers: [{ from_lots: '0', rate: '3' }, { from_lots: '100', rate: '5' }] }],
    });
    const ib = await b.partner('IB-PREVIEW');
    await b.assign(ib, 'tier-preview');
    await b.customer('preview-c', 'IB-PREVIEW');
    await b.activity([
      { customer_id: 'preview-c', instrument: 'EURUSD', lots_traded: '60', date: '2026-04-03' },
      { customer_id: 'preview-c', instrument: 'EURUSD', lots_traded: '90', date: '2026-04-17' },
    ]);
    await b.run('2026-04-01', '2026-04-30');
    const ledgerCount = async () => (await t.call('GET', '/api/v1/ledger?per_page=500', { token: admin })).body.data.length as number;
    const before = await ledgerCount();

    const preview = await t.call('GET', '/api/v1/periods/2026-04/close-preview', { token: admin });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toMatchObject({ period: '2026-04', status: 'open', entries_written: expect.any(Number) });
    expect(preview.body.entries_written).toBeGreaterThan(0);
    // 150 lots reach the 5-per-lot tier: 750 in all, of which the run paid only what it could day by day.
    const settled = preview.body.settles as { kind: string; currency: string; amount: string; entries: number }[];
    expect(settled.map((s) => s.kind)).toContain('tier_adjustment');

    // Nothing was kept: the ledger and the month are as they were.
    expect(await ledgerCount()).toBe(before);
    const listed = await t.call('GET', '/api/v1/periods?months=3', { token: admin });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.today).toBe('2026-05-20');
    expect(listed.body.data.map((p: { period: string; status: string; ended: boolean }) => [p.period, p.status, p.ended])).toEqual([
      ['2026-05', 'open', false],
      ['2026-04', 'open', true],
      ['2026-03', 'open', true],
    ]);
    const april = listed.body.data[1];
    expect(april.ledger).toEqual([{ currency: 'USD', amount: expect.any(String), entries: expect.any(Number) }]);

    // The close writes what the preview said, and the month is listed closed.
    const closed = await t.call('POST', '/api/v1/periods/2026-04/close', { token: admin });
    expect(closed.status, closed.text).toBe(200);
    expect(closed.body.entries_written).toBe(preview.body.entries_written);
    expect(await ledgerCount()).toBe(before + preview.body.entries_written);
    const after = (await t.call('GET', '/api/v1/periods?months=3', { token: admin })).body.data[1];
    expect(after).toMatchObject({ period: '2026-04', status: 'closed', closed_at: expect.any(String) });
    const total = after.ledger.reduce((s: number, l: { amount: string }) => s + Number(l.amount), 0);
    expect(total).toBe(750);

    // Closed now: a second preview has nothing more to write.
    const again = await t.call('GET', '/api/v1/periods/2026-04/close-preview', { token: admin });
    expect(again.body).toMatchObject({ status: 'closed', entries_written: 0, settles: [] });
  });

  it('answers 400 for what is not a month, and needs payouts:write', async () => {
    expect((await t.call('GET', '/api/v1/periods/2026-13/close-preview', { token: admin })).status).toBe(400);
    const partnerReader = await t.token(['reports:read']);
    expect((await t.call('GET', '/api/v1/periods', { token: partnerReader })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/periods/2026-04/close-preview', { token: partnerReader })).status).toBe(403);
  });
});
