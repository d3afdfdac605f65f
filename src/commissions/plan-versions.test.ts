import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let b: ReturnType<typeof brokerSteps>;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  b = brokerSteps(t, await t.token(['admin']));
});
afterAll(() => t.stop());

const plan = (rate: string, name = 'Fixable') => ({
  plan_id: 'fixable',
  name,
  currency: 'USD',
  symbol_groups: [{ group: 'fx_majors', symbols: ['EURUSD', 'GBPUSD'] }],
  rules: [{ type: 'per_lot', rates: [{ group: 'fx_majors', rate }] }],
});
const total = (e: { currency: string; total: string }[]) => e.find((x) => x.currency === 'USD')?.total ?? '0';

describe('a plan version with the same effective_from is a fix of that version', () => {
  let ib: string;
  beforeAll(async () => {
    ib = await b.partner('IB-FIX');
    await b.plan(plan('4'), '2026-01-01');
    await b.assign(ib, 'fixable', '2026-01-01');
    await b.customer('fix-c1', 'IB-FIX');
    await b.activity([{ customer_id: 'fix-c1', instrument: 'EURUSD', lots_traded: '2' }]);
    await b.run();
    expect(total(await b.earnings(ib))).toMatch(/^8(\.0*)?$/);
  });

  it('stores the fix as the next version and keeps the one it corrects', async () => {
    const fixed = await t.call('PUT', '/api/v1/plans/fixable', { token: await t.token(['admin']), body: { ...plan('6', 'Fixable (corrected)'), effective_from: '2026-01-01' } });
    expect(fixed.status, fixed.text).toBe(200);
    expect(fixed.body).toMatchObject({ plan_id: 'fixable', version: 2, effective_from: '2026-01-01' });
    const read = await b.ok('GET', '/api/v1/plans/fixable');
    expect(read.versions.map((v: { version: number; effective_from: string; definition: { rules: { rates: { rate: string }[] }[] } }) => [v.version, v.effective_from, v.definition.rules[0].rates[0].rate])).toEqual([
      [1, '2026-01-01', '4'],
      [2, '2026-01-01', '6'],
    ]);
  });

  it('computes with the corrected version and writes exactly the difference', async () => {
    const run = await b.run();
    expect(run.entries_written).toBeGreaterThan(0);
    expect(total(await b.earnings(ib))).toMatch(/^12(\.0*)?$/);
    const entries = await b.ledger(`partner_id=${ib}`);
    expect(entries.some((e) => e.plan_version === 2)).toBe(true);
    expect((await b.run()).entries_written).toBe(0);
  });

  it('accepts a second fix of the same date, and the latest one wins', async () => {
    const again = await t.call('PUT', '/api/v1/plans/fixable', { token: await t.token(['admin']), body: { ...plan('5'), effective_from: '2026-01-01' } });
    expect(again.status, again.text).toBe(200);
    expect(again.body.version).toBe(3);
    await b.run();
    expect(total(await b.earnings(ib))).toMatch(/^10(\.0*)?$/);
  });
});
