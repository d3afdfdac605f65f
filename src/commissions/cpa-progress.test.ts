import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let admin: string;
let ib: string;
let master: string;
let other: string;
const DAY = 86_400_000;
const ago = (days: number, hours = 0) => new Date(Date.now() - days * DAY - hours * 3_600_000).toISOString();

beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token(['admin']);
  const b = brokerSteps(t, admin);
  await b.plan({
    plan_id: 'cpa-progress', name: 'CPA 300', currency: 'USD',
    rules: [{ type: 'cpa', amount: '300', country_amounts: { VN: '0' }, min_first_deposit: '100', ftd_window_hours: 24, min_lots: '1', qualify_within_days: 30, require_kyc: true }],
  });
  master = await b.partner('CPP-M');
  ib = await b.partner('CPP-IB', { parent_id: master });
  other = await b.partner('CPP-O');
  await b.assign(ib, 'cpa-progress');
  const client = (id: string, signedUpDaysAgo: number, extra: Record<string, unknown> = {}) => b.customer(id, 'CPP-IB', { signup_date: ago(signedUpDaysAgo), ...extra });
  const deposit = (id: string, amount: string, daysAgo: number) =>
    b.transactions([{ transaction_id: `${id}-d`, customer_id: id, transaction_type: 'deposit', amount, transaction_date: ago(daysAgo, -1) }]);
  const lots = (id: string, value: string, daysAgo: number) => b.activity([{ customer_id: id, instrument: 'EURUSD', lots_traded: value, date: ago(daysAgo).slice(0, 10) }]);
  // Qualified: 150 deposited, 2 lots, KYC approved.
  await client('cpp-done', 10);
  await deposit('cpp-done', '150', 10);
  await lots('cpp-done', '2', 8);
  // Pending: 150 deposited, only 0.4 of the 1 lot, window open.
  await client('cpp-half', 5);
  await deposit('cpp-half', '150', 5);
  await lots('cpp-half', '0.4', 4);
  // Pending on KYC only.
  await client('cpp-kyc', 3, { kyc_status_id: 'pending' });
  await deposit('cpp-kyc', '500', 3);
  await lots('cpp-kyc', '3', 2);
  // Not eligible: first deposit 50 and the 24 h window closed.
  await client('cpp-small', 6);
  await deposit('cpp-small', '50', 6);
  // Not eligible: a country the plan pays nothing for.
  await client('cpp-vn', 4, { country_code: 'VN' });
  // Expired: signed up 40 days ago, never deposited.
  await client('cpp-old', 40);
  await b.run(ago(60).slice(0, 10), ago(-1).slice(0, 10));
});
afterAll(() => t.stop());

const progress = async (partnerId: string, query = '', token = admin) => t.call('GET', `/api/v1/partners/${partnerId}/cpa-progress${query}`, { token });

describe('CPA progress', () => {
  it('shows each client against the plan: met conditions, days left, qualified and in the ledger', async () => {
    const res = await progress(ib);
    expect(res.status, res.text).toBe(200);
    const by = Object.fromEntries(res.body.data.map((r: any) => [r.customer_id, r]));
    expect(res.body.counts).toEqual({ pending: 2, qualified: 1, expired: 1, not_eligible: 2 });
    expect(by['cpp-done']).toMatchObject({ status: 'qualified', cpa_amount: '300', currency: 'USD', ftd_met: true, lots_met: true, kyc_met: true, ledger_status: 'approved' });
    expect(by['cpp-done'].qualified_at).toEqual(expect.any(String));
    expect(by['cpp-half']).toMatchObject({ status: 'pending', ftd_amount: '150', ftd_met: true, lots: '0.4', min_lots: '1', lots_met: false, ledger_status: null, cpa_amount: '300' });
    expect(by['cpp-half'].days_left).toBeGreaterThanOrEqual(24);
    expect(by['cpp-half'].days_left).toBeLessThanOrEqual(26);
    expect(by['cpp-kyc']).toMatchObject({ status: 'pending', ftd_met: true, lots_met: true, kyc_required: true, kyc_status: 'pending', kyc_met: false });
    expect(by['cpp-small']).toMatchObject({ status: 'not_eligible', reason: 'ftd_below_minimum', ftd_amount: '50' });
    expect(by['cpp-vn']).toMatchObject({ status: 'not_eligible', reason: 'country_not_paid' });
    expect(by['cpp-old']).toMatchObject({ status: 'expired', days_left: 0, ftd_met: false });
    // Newest first.
    expect(res.body.data.map((r: any) => r.customer_id)).toEqual(['cpp-kyc', 'cpp-vn', 'cpp-half', 'cpp-small', 'cpp-done', 'cpp-old']);
  });

  it('filters by status and pages', async () => {
    const pending = await progress(ib, '?status=pending&per_page=1');
    expect(pending.body.data.map((r: any) => r.customer_id)).toEqual(['cpp-kyc']);
    expect(pending.body.meta).toEqual({ total: 2, page: 1, per_page: 1 });
    expect((await progress(ib, '?status=pending&per_page=1&page=2')).body.data.map((r: any) => r.customer_id)).toEqual(['cpp-half']);
    for (const bad of ['?status=paid', '?page=0', '?per_page=5000', '?x=1']) expect((await progress(ib, bad)).status, bad).toBe(400);
  });

  it('answers the partner and its upline, not others; a partner without a CPA plan has no rows', async () => {
    expect((await progress(ib, '', await t.token(['reports:read'], ib))).status).toBe(200);
    expect((await progress(ib, '', await t.token(['reports:read'], master))).status).toBe(200);
    expect((await progress(ib, '', await t.token(['reports:read'], other))).status).toBe(404);
    expect((await progress(master, '', await t.token(['reports:read'], ib))).status).toBe(404);
    expect((await progress('pt_missing')).status).toBe(404);
    const none = await progress(other);
    expect(none.body).toMatchObject({ data: [], counts: { pending: 0, qualified: 0, expired: 0, not_eligible: 0 } });
  });
});
