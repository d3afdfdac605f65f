import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { payoutSteps } from './test-support.ts';

let t: TestServer;
let p: ReturnType<typeof payoutSteps>;
let admin: string;
beforeAll(async () => {
  // The broker's trading day runs on UTC+2 (Etc/GMT-2 is UTC+2 in POSIX sign order); 5 days' hold.
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0', OPENIB_BROKER_TIMEZONE: 'Etc/GMT-2', OPENIB_PAYOUT_HOLD_DAYS: '5' });
  admin = await t.token(['admin']);
  p = payoutSteps(t, admin);
});
afterAll(() => t.stop());
const count = async (table: string) => (await t.server.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

describe('period boundaries in the broker time zone', () => {
  it('puts a trade closed at 23:30 UTC on 31 March into April when the broker runs on UTC+2', async () => {
    const ib = await p.earner('TZ');
    await p.ok('POST', '/api/v1/forex/deals', [
      { deal_id: 'tz-1', customer_id: 'TZ-c1', symbol: 'EURUSD', side: 'buy', lots: '5', close_time: '2026-03-31T23:30:00Z', currency: 'USD' },
      { deal_id: 'tz-2', customer_id: 'TZ-c1', symbol: 'EURUSD', side: 'buy', lots: '1', close_time: '2026-03-31T21:30:00Z', currency: 'USD' },
    ]);
    await p.run();
    await p.close('2026-03');
    await p.close('2026-04');
    const march = await p.payoutRun('2026-03');
    expect(p.statementOf(march, ib)).toMatchObject({ period_amount: '10.00', period_end: '2026-03-31' });
    const april = await p.payoutRun('2026-04');
    expect(p.statementOf(april, ib)).toMatchObject({ opening_balance: '0.00', period_amount: '50.00' });
    const [line] = (await p.ok('GET', `/api/v1/statements/${p.statementOf(april, ib)!.statement_id}`)).lines;
    expect(line).toMatchObject({ section: 'period', entries: 1 });
  });

  it('keeps entries younger than the hold period off the statement; negative entries ignore the hold', async () => {
    const ib = await p.earner('HOLD');
    await p.lots('HOLD', '2', '2026-05-28');
    await p.lots('HOLD', '1', '2026-05-30');
    await p.run();
    await p.close('2026-05');
    const early = await p.payoutRun('2026-05', '2026-06-03');
    // 28 May is 6 days before 3 June, 30 May only 4.
    expect(p.statementOf(early, ib)).toMatchObject({ period_amount: '20.00' });
    await p.ok('POST', `/api/v1/statements/${p.statementOf(early, ib)!.statement_id}/reject`, { reason: 'test' });
    // A correction makes the 30 May earning smaller: the negative adjustment is payable at once.
    await p.lots('HOLD', '0.5', '2026-05-30');
    await p.run();
    const again = await p.payoutRun('2026-05', '2026-06-03');
    expect(p.statementOf(again, ib)).toMatchObject({ period_amount: '15.00' });
  });

  it('accepts only the configured period form', async () => {
    for (const period of ['2026-W10', '2026-03-01', '2026-13', '2026-00', '26-03', "2026-03' OR 1=1", '', 'x'.repeat(20)]) {
      const res = await t.call('POST', '/api/v1/payout-runs', { token: admin, body: { period } });
      expect([400, 422]).toContain(res.status);
      expect(res.body.error.message).toMatch(/\S/);
    }
  });
});

describe('hostile input', () => {
  it('answers unknown ids, bad bodies and huge bodies with a clear 4xx and stores nothing', async () => {
    const runs = await count('payout_runs');
    const audits = await count('audit_log');
    const call = (method: string, path: string, body?: unknown, raw?: string) => t.call(method, path, { token: admin, body, raw, headers: raw ? { 'content-type': 'application/json' } : undefined });
    expect((await call('GET', '/api/v1/payout-runs/nope')).status).toBe(404);
    expect((await call('GET', '/api/v1/payout-runs/nope/export')).status).toBe(404);
    expect((await call('GET', '/api/v1/statements/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await call('POST', '/api/v1/statements/nope/approve', {})).status).toBe(404);
    expect([400, 404, 422]).toContain((await call('POST', '/api/v1/statements/nope/explode', {})).status);
    expect([400, 422]).toContain((await call('POST', '/api/v1/payout-runs', { period: '2026-03', extra: 1 })).status);
    expect((await call('POST', '/api/v1/payout-runs', { period: '2026-03', as_of: '2026-02-30' })).status).toBe(422);
    expect([400, 422]).toContain((await call('POST', '/api/v1/payout-runs', undefined, '{"period": ')).status);
    const huge = await call('POST', '/api/v1/payout-runs', undefined, JSON.stringify({ period: '2026-03', pad: 'x'.repeat(11 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect([400, 422]).toContain((await call('GET', '/api/v1/payout-runs/x/export?format=xml')).status);
    expect(await count('payout_runs')).toBe(runs);
    expect(await count('audit_log')).toBe(audits);
  });
});
