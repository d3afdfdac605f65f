import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { reconcileCommand } from './reconcile-cli.ts';
import { payoutSteps } from './test-support.ts';

let t: TestServer;
let p: ReturnType<typeof payoutSteps>;
let admin: string;
let ib: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0', OPENIB_RECONCILIATION_TOLERANCE: '0.01' });
  admin = await t.token(['admin']);
  p = payoutSteps(t, admin);
  ib = await p.earner('REC');
  // Ledger: 10.00 on the 2nd, 20.00 on the 3rd, 30.00 on the 4th, 40.00 on the 5th.
  for (const [day, lots] of [['02', '1'], ['03', '2'], ['04', '3'], ['05', '4']]) await p.lots('REC', lots, `2026-03-${day}`);
  await p.run();
  const rebate = (id: string, amount: string, at: string) => ({ transaction_id: id, customer_id: 'REC-c1', transaction_type: 'ib_rebate', amount, transaction_date: at });
  await p.transactions([
    rebate('r-2', '10.00', '2026-03-02T12:00:00Z'), // matched exactly
    rebate('r-3', '19.995', '2026-03-03T12:00:00Z'), // within tolerance
    rebate('r-4', '25.00', '2026-03-04T12:00:00Z'), // differs
    rebate('r-6', '7.50', '2026-03-06T12:00:00Z'), // only at the broker; the 5th is only in OpenIB
    { ...rebate('r-7', '99', '2026-03-07T12:00:00Z'), status: 'pending' }, // not approved: ignored
  ]);
});
afterAll(() => t.stop());

describe('reconciliation against ib_rebate transactions', () => {
  it('classifies every case: matched within tolerance, differs, only in OpenIB, only at the broker', async () => {
    const res = await p.ok('GET', '/api/v1/reconciliation?from=2026-03-01&to=2026-03-31');
    const byDate = Object.fromEntries(res.data.map((r: any) => [r.date, r]));
    expect(byDate['2026-03-02']).toMatchObject({ partner_id: ib, status: 'matched', openib_amount: '10', broker_amount: '10', difference: '0' });
    expect(byDate['2026-03-03']).toMatchObject({ status: 'matched', difference: '0.005' });
    expect(byDate['2026-03-04']).toMatchObject({ status: 'differs', openib_amount: '30', broker_amount: '25', difference: '5' });
    expect(byDate['2026-03-05']).toMatchObject({ status: 'only_in_openib', openib_amount: '40', broker_amount: null });
    expect(byDate['2026-03-06']).toMatchObject({ status: 'only_at_broker', openib_amount: null, broker_amount: '7.5', partner_id: ib });
    expect(byDate['2026-03-07']).toBeUndefined();
    expect(res.summary).toEqual({ matched: 2, differs: 1, only_in_openib: 1, only_at_broker: 1 });
    const strict = await p.ok('GET', '/api/v1/reconciliation?from=2026-03-01&to=2026-03-31&tolerance=0');
    expect(strict.summary).toMatchObject({ matched: 1, differs: 2 });
  });

  it('splits by customer on demand and downloads as CSV', async () => {
    const res = await p.ok('GET', '/api/v1/reconciliation?from=2026-03-01&to=2026-03-31&per=customer');
    expect(res.data.every((r: any) => r.customer_id === 'REC-c1')).toBe(true);
    const csv = await t.call('GET', '/api/v1/reconciliation?from=2026-03-01&to=2026-03-31&format=csv', { token: admin });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.status)).toEqual(['matched', 'matched', 'differs', 'only_in_openib', 'only_at_broker']);
  });

  it('writes the same CSV from the command line form', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openib-reconcile-'));
    try {
      const out = join(dir, 'r.csv');
      const summary = await reconcileCommand(t.server.ctx, { from: '2026-03-01', to: '2026-03-31', out });
      expect(summary).toMatch(/2 matched, 1 differ, 1 only in OpenIB, 1 only at the broker/);
      expect(parse(readFileSync(out, 'utf8'), { columns: true })).toHaveLength(5);
      await expect(reconcileCommand(t.server.ctx, { from: '2026-13-01', to: '2026-03-31', out })).rejects.toThrow(/--from/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad ranges with a clear 4xx', async () => {
    expect((await t.call('GET', '/api/v1/reconciliation?from=2026-03-31&to=2026-03-01', { token: admin })).status).toBe(422);
    expect((await t.call('GET', '/api/v1/reconciliation?from=yesterday&to=2026-03-01', { token: admin })).status).toBe(422);
    expect((await t.call('GET', '/api/v1/reconciliation?from=2026-03-01&to=2026-03-02&tolerance=-1', { token: admin })).status).toBe(400);
  });
});
