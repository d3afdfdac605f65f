import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../test/helpers/server.ts';
import { verifyBundle } from '../../tools/openib-verify.mjs';
import { startDemoServer } from './test-support.ts';

let t: TestServer;
beforeAll(async () => {
  // Loaded on the first day of a month: history 2026-04-01 … 2026-06-30, April and May closed, June open.
  t = await startDemoServer('2026-07-01T08:00:00Z', { OPENIB_COMMISSIONS_AUTO: '0' });
});
afterAll(() => t.stop());

describe('demo payouts', () => {
  it('shows a paid-out run for the oldest month and one under review (approved, held) for the next; the last month stays open', async () => {
    const token = await t.token(['admin']);
    const runs = (await t.call('GET', '/api/v1/payout-runs', { token })).body.data as { period: string; by_status: Record<string, number> }[];
    expect(runs.map((r) => r.period).sort()).toEqual(['2026-04', '2026-05']);
    const paid = runs.find((r) => r.period === '2026-04')!;
    expect(Object.keys(paid.by_status)).toEqual(['paid']);
    expect(paid.by_status.paid).toBeGreaterThan(0);
    expect(runs.find((r) => r.period === '2026-05')!.by_status).toMatchObject({ approved: 1, held: 1 });
    // June is not closed: a payout run for it is refused until finance closes the month.
    const june = await t.call('POST', '/api/v1/payout-runs', { token, body: { period: '2026-06' } });
    expect(june.status).toBe(409);
    expect(june.body.error.code).toBe('period_open');
  });

  it("gives every paid partner signed checkpoints on its statements, and its ledger export verifies", async () => {
    const token = await t.token(['admin']);
    const statements = (await t.call('GET', '/api/v1/statements?status=paid', { token })).body.data as { statement_id: string; partner_id: string }[];
    expect(statements.length).toBeGreaterThan(0);
    const one = (await t.call('GET', `/api/v1/statements/${statements[0].statement_id}`, { token })).body;
    expect(one.checkpoint).toMatchObject({ reason: 'payout', statement_id: statements[0].statement_id });
    const keys = (await t.call('GET', '/.well-known/openib-ledger-keys.json')).body;
    for (const partnerId of new Set(statements.map((s) => s.partner_id))) {
      const bundle = (await t.call('GET', `/api/v1/partners/${partnerId}/ledger/export`, { token })).body;
      const result = verifyBundle(bundle, { keys });
      expect(result.errors, partnerId).toEqual([]);
      expect(result.statements.length).toBeGreaterThan(0);
    }
  });
});
