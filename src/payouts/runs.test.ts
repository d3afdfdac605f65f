import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { payoutSteps } from './test-support.ts';

let t: TestServer;
let p: ReturnType<typeof payoutSteps>;
let adminToken: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0', OPENIB_PAYOUT_MINIMUMS: 'USD:50' });
  adminToken = await t.token(['admin']);
  p = payoutSteps(t, adminToken);
});
afterAll(() => t.stop());

describe('payout runs and the rules finance expects', () => {
  it('carries an amount below the minimum to the next run, and says so', async () => {
    const ib = await p.earner('THR');
    await p.lots('THR', '3', '2026-03-10');
    await p.run();
    await p.close('2026-03');
    const march = await p.payoutRun('2026-03');
    expect(p.statementOf(march, ib)).toMatchObject({ status: 'carried', amount_payable: '0.00', carried_forward: '30.00', carry_reason: expect.stringMatching(/below the minimum payout of 50\.00 USD/) });

    await p.lots('THR', '4', '2026-04-02');
    await p.run();
    await p.close('2026-04');
    const april = await p.payoutRun('2026-04');
    expect(p.statementOf(april, ib)).toMatchObject({ status: 'draft', opening_balance: '30.00', period_amount: '40.00', amount_payable: '70.00', carried_forward: '0.00', carry_reason: null });
  });

  it('refuses a run for a month that is not closed', async () => {
    const res = await t.call('POST', '/api/v1/payout-runs', { token: adminToken, body: { period: '2026-09' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('period_open');
  });

  it('refuses a second run for the same month when nothing is left to pay, naming the run to review', async () => {
    const ib = await p.earner('DUP');
    await p.lots('DUP', '6', '2026-10-12');
    await p.run();
    await p.close('2026-10');
    const first = await p.payoutRun('2026-10');
    expect(p.statementOf(first, ib)).toMatchObject({ status: 'draft', amount_payable: '60.00' });
    const again = await t.call('POST', '/api/v1/payout-runs', { token: adminToken, body: { period: '2026-10', as_of: '2030-01-01' } });
    expect(again.status, again.text).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'payout_run_exists', details: [{ field: 'period', reason: 'already has a payout run, with nothing left to pay' }] });
    expect(again.body.error.message).toContain(first.run_id);
    expect(again.body.error.message).toMatch(/already exists .* Review that run/);
    const runs = (await t.call('GET', '/api/v1/payout-runs?period=2026-10', { token: adminToken })).body.data;
    expect(runs).toHaveLength(1);

    // A month with nothing to pay gets its one (empty) run, but not a second.
    await p.close('2026-11');
    expect((await t.call('POST', '/api/v1/payout-runs', { token: adminToken, body: { period: '2026-11', as_of: '2030-01-01' } })).status).toBe(201);
    const empty = await t.call('POST', '/api/v1/payout-runs', { token: adminToken, body: { period: '2026-11', as_of: '2030-01-01' } });
    expect(empty.status).toBe(409);
    expect(empty.body.error.code).toBe('payout_run_exists');
  });

  it('blocks payout on a negative balance after a chargeback and nets it against later earnings', async () => {
    await p.plan({
      plan_id: 'neg-cpa', name: 'CPA', currency: 'USD',
      rules: [
        { type: 'cpa', amount: '200', min_first_deposit: '100', ftd_window_hours: 24, min_lots: '0', qualify_within_days: 90, require_kyc: false },
        { type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '10' }] },
      ],
    });
    const ib = await p.partner('NEG');
    await p.assign(ib, 'neg-cpa');
    await p.customer('NEG-c1', 'NEG', { signup_date: '2026-05-01T10:00:00Z' });
    await p.transactions([{ transaction_id: 'neg-d1', customer_id: 'NEG-c1', transaction_type: 'deposit', amount: '500', transaction_date: '2026-05-03T10:00:00Z' }]);
    await p.run();
    await p.close('2026-05');
    const may = await p.payoutRun('2026-05');
    const paid = p.statementOf(may, ib)!;
    expect(paid).toMatchObject({ amount_payable: '200.00' });
    expect((await p.act(paid.statement_id, 'approve')).status).toBe(200);
    expect((await p.act(paid.statement_id, 'pay', { reference: 'W-1', paid_on: '2026-06-05' })).status).toBe(200);

    await p.transactions([{ transaction_id: 'neg-cb1', customer_id: 'NEG-c1', transaction_type: 'chargeback', amount: '500', transaction_date: '2026-06-01T10:00:00Z' }]);
    await p.run();
    await p.close('2026-06');
    const june = await p.payoutRun('2026-06');
    expect(p.statementOf(june, ib)).toMatchObject({ status: 'carried', amount_payable: '0.00', carried_forward: '-200.00', carry_reason: expect.stringMatching(/negative balance/) });

    await p.lots('NEG', '26', '2026-07-08', 'EURUSD', 'NEG-c1');
    await p.run();
    await p.close('2026-07');
    const july = await p.payoutRun('2026-07');
    expect(p.statementOf(july, ib)).toMatchObject({ status: 'draft', opening_balance: '-200.00', period_amount: '260.00', amount_payable: '60.00' });
  });
});

describe('per-partner workflow', () => {
  let run: any;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    for (const a of ['WA', 'WB', 'WC', 'WD']) {
      ids[a] = await p.earner(a);
      await p.lots(a, '10', '2026-08-04');
    }
    await p.run();
    await p.close('2026-08');
    run = await p.payoutRun('2026-08');
  });
  const st = (a: string) => p.statementOf(run, ids[a])!.statement_id;

  it('approves, holds and rejects each statement on its own', async () => {
    expect((await p.act(st('WA'), 'review')).body.status).toBe('reviewed');
    expect((await p.act(st('WA'), 'approve')).body.status).toBe('approved');
    const noReason = await p.act(st('WB'), 'hold');
    expect(noReason.status).toBe(422);
    expect((await p.act(st('WB'), 'hold', { reason: 'KYC documents expired' })).body).toMatchObject({ status: 'held', status_reason: 'KYC documents expired' });
    expect((await p.act(st('WC'), 'reject', { reason: 'duplicate account' })).body.status).toBe('rejected');
    expect((await p.act(st('WC'), 'approve')).status).toBe(409);
    const again = await t.call('GET', `/api/v1/payout-runs/${run.run_id}`, { token: adminToken });
    const status = Object.fromEntries(again.body.statements.map((s: any) => [s.partner_id, s.status]));
    expect(status).toMatchObject({ [ids.WA]: 'approved', [ids.WB]: 'held', [ids.WC]: 'rejected', [ids.WD]: 'draft' });
  });

  it('exports only approved statements as CSV and JSON', async () => {
    const json = await t.call('GET', `/api/v1/payout-runs/${run.run_id}/export?format=json`, { token: adminToken });
    expect(json.body.data).toEqual([expect.objectContaining({ partner_id: ids.WA, currency: 'USD', amount: '100.00', period: '2026-08', payout_reference: `OPENIB-2026-08-${ids.WA}-USD` })]);
    const csv = await t.call('GET', `/api/v1/payout-runs/${run.run_id}/export?format=csv`, { token: adminToken });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const { parse } = await import('csv-parse/sync');
    const rows = parse(csv.text, { columns: true });
    expect(rows).toEqual([expect.objectContaining({ partner_id: ids.WA, amount: '100.00', currency: 'USD' })]);
  });

  it('pays once when two callers mark the same statement paid at the same time', async () => {
    expect((await p.act(st('WD'), 'approve')).status).toBe(200);
    const [a, b] = await Promise.all([
      p.act(st('WD'), 'pay', { reference: 'WIRE-1', paid_on: '2026-09-03' }),
      p.act(st('WD'), 'pay', { reference: 'WIRE-2', paid_on: '2026-09-03' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const entries = await p.ledger(`partner_id=${ids.WD}`);
    expect(entries.every((e) => e.status === 'paid' && e.payout_id === st('WD'))).toBe(true);
    const log = await t.server.ctx.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ledger_status_log l JOIN ledger_entries e ON e.id = l.entry_id WHERE e.partner_id = $1 AND l.to_status = 'paid'`,
      [ids.WD],
    );
    expect(log[0].n).toBe(entries.length);
    const events = await p.ok('GET', '/api/v1/events?type=payout.paid');
    const mine = events.data.filter((e: any) => e.data.partner_id === ids.WD);
    expect(mine).toHaveLength(1);
    expect(mine[0].data).toMatchObject({ partner_id: ids.WD, currency: 'USD', amount: '100.00', period: '2026-08' });
    const approved = await p.ok('GET', '/api/v1/events?type=payout.approved');
    expect(approved.data.some((e: any) => e.data.partner_id === ids.WA)).toBe(true);
  });

  it('puts a rejected statement\'s entries on the next run and keeps held ones off it', async () => {
    await p.lots('WA', '1', '2026-09-01');
    await p.run();
    await p.close('2026-09');
    const next = await p.payoutRun('2026-09');
    expect(p.statementOf(next, ids.WC)).toMatchObject({ opening_balance: '100.00', status: 'draft' });
    expect(p.statementOf(next, ids.WB)).toBeUndefined();
    expect(p.statementOf(next, ids.WD)).toBeUndefined();
  });

  it('records every step in the audit log with the acting API client', async () => {
    const rows = await t.server.ctx.db.query<{ action: string; actor: string; after: any }>(
      `SELECT action, actor, after FROM audit_log WHERE subject_id = $1 ORDER BY id`,
      [st('WA')],
    );
    expect(rows.map((r) => r.action)).toEqual(['statement.review', 'statement.approve']);
    expect(rows[0].actor).toMatch(/\S/);
    const [created] = await t.server.ctx.db.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE action = 'payout_run.create' AND subject_id = $1`, [run.run_id]);
    expect(created.actor).toBe(rows[0].actor);
    await expect(t.server.ctx.db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
  });
});

describe('a payment that fails', () => {
  it('marks a paid statement failed, returns its entries to approved, alerts, and pays it again once approved', async () => {
    const ib = await p.earner('FAIL');
    await p.lots('FAIL', '10', '2026-06-04');
    await p.run();
    await p.close('2026-06');
    const run = await p.payoutRun('2026-06');
    const id = p.statementOf(run, ib)!.statement_id;
    expect((await p.act(id, 'approve')).status).toBe(200);
    expect((await p.act(id, 'pay', { reference: 'WIRE-77', paid_on: '2026-07-02' })).status).toBe(200);

    expect((await p.act(id, 'fail')).status).toBe(422); // a reason is required
    const failed = await p.act(id, 'fail', { reason: 'returned by the bank: account closed' });
    expect(failed.status, failed.text).toBe(200);
    expect(failed.body).toMatchObject({ status: 'failed', status_reason: 'returned by the bank: account closed' });
    const entries = await p.ledger(`partner_id=${ib}`);
    expect(entries.every((e) => e.status === 'approved' && e.payout_id === null)).toBe(true);
    const alerts = (await p.ok('GET', '/api/v1/events?type=payout.failed')).data.filter((e: any) => e.data.partner_id === ib);
    expect(alerts.map((e: any) => e.data)).toEqual([expect.objectContaining({ statement_id: id, amount: '100.00', currency: 'USD', reason: 'returned by the bank: account closed', previous_status: 'paid' })]);
    // Entries going back to approved are not new commission: no commission.approved for them.
    const announced = (await p.ok('GET', '/api/v1/events?type=commission.approved&limit=1000')).data.filter((e: any) => e.data.partner_id === ib);
    expect(announced).toHaveLength(1);

    // The failed statement keeps its entries off the next run until it is settled.
    expect((await p.act(id, 'pay', { reference: 'WIRE-78', paid_on: '2026-07-09' })).status).toBe(409);
    expect((await p.act(id, 'approve')).body.status).toBe('approved');
    expect((await p.act(id, 'pay', { reference: 'WIRE-78', paid_on: '2026-07-09' })).body).toMatchObject({ status: 'paid' });
    expect((await p.ledger(`partner_id=${ib}`)).every((e) => e.status === 'paid' && e.payout_id === id)).toBe(true);
    const actions = await t.server.ctx.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY id`, [id]);
    expect(actions.map((r) => r.action)).toEqual(['statement.approve', 'statement.pay', 'statement.fail', 'statement.approve', 'statement.pay']);
  });
});
