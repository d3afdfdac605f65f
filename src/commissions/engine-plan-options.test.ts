import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

// Plan options beyond the basic rules: caps, account-type rates, revenue share netted per partner.
let t: TestServer;
let b: ReturnType<typeof brokerSteps>;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  b = brokerSteps(t, await t.token(['admin']));
});
afterAll(() => t.stop());

const total = (e: { currency: string; total: string }[], currency = 'USD') => e.find((x) => x.currency === currency)?.total ?? '0';

describe('plan caps', () => {
  it('cuts a day above the daily cap and the month above the monthly cap, and changes nothing on a rerun', async () => {
    await b.plan({ plan_id: 'capped', name: 'Capped', currency: 'USD', caps: { per_day: '50', per_month: '120' }, rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '10' }] }] });
    const ib = await b.partner('IB-CAP');
    await b.assign(ib, 'capped');
    await b.customer('cap-c', 'IB-CAP');
    await b.activity([
      { customer_id: 'cap-c', instrument: 'EURUSD', lots_traded: '8', date: '2026-01-05' }, // 80 → 50
      { customer_id: 'cap-c', instrument: 'EURUSD', lots_traded: '3', date: '2026-01-06' }, // 30
      { customer_id: 'cap-c', instrument: 'EURUSD', lots_traded: '6', date: '2026-01-07' }, // 60 → 50; month 130 → 120
    ]);
    await b.run('2026-01-01', '2026-01-31');
    const caps = (await b.ledger(`partner_id=${ib}&kind=cap_adjustment`)).map((e) => [e.fact_date, e.amount, e.source_type]);
    expect(caps.sort()).toEqual([['2026-01-05', '-30', 'partner_day'], ['2026-01-07', '-10', 'partner_day'], ['2026-01-31', '-10', 'partner_period']]);
    expect(Number(total(await b.earnings(ib, '2026-01-01', '2026-01-31')))).toBe(120);
    const again = await b.run('2026-01-01', '2026-01-31');
    expect(again).toMatchObject({ entries_written: 0, reversed: 0 });
    // Less trading on the first day (40): its daily cap no longer applies and the month is 40 + 30 + 50 = 120, so the monthly cut goes too.
    await b.activity([{ customer_id: 'cap-c', instrument: 'EURUSD', lots_traded: '4', date: '2026-01-05' }]);
    await b.run('2026-01-01', '2026-01-31');
    expect(Number(total(await b.earnings(ib, '2026-01-01', '2026-01-31')))).toBe(120);
    const open = (await b.ledger(`partner_id=${ib}&kind=cap_adjustment`)).filter((e) => e.status !== 'reversed').map((e) => [e.fact_date, e.amount]);
    expect(open).toEqual([['2026-01-07', '-10']]);
  });

  it('refuses caps that are not positive decimal strings', async () => {
    for (const caps of [{}, { per_day: 50 }, { per_month: '-1' }, { per_week: '10' }]) {
      const res = await t.call('POST', '/api/v1/plans', { token: await t.token(['admin']), body: { plan_id: `cap-bad-${JSON.stringify(caps).length}`, name: 'x', currency: 'USD', caps, rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '1' }] }] } });
      expect(res.status, JSON.stringify(caps)).toBe(422);
    }
  });
});

describe('rates by account type', () => {
  it('pays the ECN rate to ECN accounts, the plain rate to others, and nothing on demo groups', async () => {
    await b.plan({
      plan_id: 'acct', name: 'By account type', currency: 'USD', exclusions: { account_types: ['demo*'] },
      rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '6' }, { symbol: 'EURUSD', rate: '9', account_types: ['ECN'] }] }],
    });
    const ib = await b.partner('IB-ACCT');
    await b.assign(ib, 'acct');
    await b.customer('acct-ecn', 'IB-ACCT', { trading_account_type: 'ecn' });
    await b.customer('acct-std', 'IB-ACCT', { trading_account_type: 'standard' });
    await b.customer('acct-demo', 'IB-ACCT', { trading_account_type: 'demo\\forex-usd' });
    await b.activity(['acct-ecn', 'acct-std', 'acct-demo'].map((customer_id) => ({ customer_id, instrument: 'EURUSD', lots_traded: '2', date: '2026-09-15' })));
    await b.run('2026-09-01', '2026-09-30');
    const rows = await b.ledger(`partner_id=${ib}`);
    expect(rows.map((r) => [r.customer_id, r.amount]).sort()).toEqual([['acct-ecn', '18'], ['acct-std', '12']]);
    const ecn = rows.find((r) => r.customer_id === 'acct-ecn')!;
    const explained = await b.ok('GET', `/api/v1/ledger/${ecn.entry_id}/explain`);
    expect(JSON.stringify(explained)).toContain('for account type ecn');
  });
});

describe('revenue share over a partner\'s customers', () => {
  it('nets one client\'s profit against another\'s loss and carries the partner\'s deficit; self-referred clients and excluded instruments add nothing', async () => {
    await b.plan({
      plan_id: 'rs-net', name: 'RS net', currency: 'USD', exclusions: { instruments: ['US30'] },
      rules: [{ type: 'revenue_share', percent: '30', negative_carryover: true, components: ['client_pnl'] }],
    });
    const ib = await b.partner('IB-RSN', { email: 'rs-net-ib@example.com' });
    await b.assign(ib, 'rs-net');
    await b.customer('rsn-a', 'IB-RSN');
    await b.customer('rsn-b', 'IB-RSN');
    await b.customer('rsn-self', 'IB-RSN', { email: 'rs-net-ib@example.com' });
    await b.activity([
      // July: A wins 10,000 (a broker loss), B loses 4,000: net −6,000, nothing paid, 6,000 carried.
      { customer_id: 'rsn-a', instrument: 'EURUSD', lots_traded: '1', pnl: '10000', date: '2026-07-10' },
      { customer_id: 'rsn-b', instrument: 'EURUSD', lots_traded: '1', pnl: '-4000', date: '2026-07-11' },
      // August: A loses 3,000, B loses 12,000: 15,000 − 6,000 carried = 9,000 × 30 % = 2,700.
      { customer_id: 'rsn-a', instrument: 'EURUSD', lots_traded: '1', pnl: '-3000', date: '2026-08-10' },
      { customer_id: 'rsn-b', instrument: 'XAUUSD', lots_traded: '1', pnl: '-12000', date: '2026-08-11' },
      // Left out: B on an excluded instrument, and the partner's own account.
      { customer_id: 'rsn-b', instrument: 'US30', lots_traded: '1', pnl: '-50000', date: '2026-08-12' },
      { customer_id: 'rsn-self', instrument: 'EURUSD', lots_traded: '1', pnl: '-100000', date: '2026-08-13' },
    ]);
    await b.ok('POST', '/api/v1/periods/2026-07/close');
    await b.ok('POST', '/api/v1/periods/2026-08/close');
    expect(Number(total(await b.earnings(ib, '2026-07-01', '2026-07-31')))).toBe(0);
    expect(Number(total(await b.earnings(ib, '2026-08-01', '2026-08-31')))).toBe(2700);
    const [entry] = await b.ledger(`partner_id=${ib}&kind=revenue_share&from=2026-08-01&to=2026-08-31`);
    expect(entry).toMatchObject({ amount: '2700', source_type: 'partner_period', customer_id: null, fact_date: '2026-08-31' });
    // A later run over the same facts changes nothing.
    await b.run('2026-07-01', '2026-08-31');
    expect(Number(total(await b.earnings(ib, '2026-07-01', '2026-08-31')))).toBe(2700);
  });
});

describe('revenue share exclusions and cent accounts', () => {
  it('counts cent-account revenue as a hundredth, and leaves out excluded account types and customers awaiting KYC', async () => {
    await b.plan({
      plan_id: 'rs-x', name: 'RS exclusions', currency: 'USD', exclusions: { account_types: ['demo*'], require_kyc_approved: true },
      rules: [{ type: 'revenue_share', percent: '30', negative_carryover: true, components: ['client_pnl'] }],
    });
    const ib = await b.partner('IB-RSX');
    await b.assign(ib, 'rs-x');
    await b.customer('rsx-cent', 'IB-RSX');
    await b.customer('rsx-demo', 'IB-RSX', { trading_account_type: 'demo-usd' });
    await b.customer('rsx-wait', 'IB-RSX', { kyc_status_id: 'pending' });
    await b.activity([
      { customer_id: 'rsx-cent', instrument: 'EURUSD', lots_traded: '1', currency: 'USC', pnl: '-500000', date: '2026-02-10' }, // 5,000 USD of revenue
      { customer_id: 'rsx-demo', instrument: 'EURUSD', lots_traded: '1', pnl: '-10000', date: '2026-02-11' },
      { customer_id: 'rsx-wait', instrument: 'EURUSD', lots_traded: '1', pnl: '-10000', date: '2026-02-12' },
    ]);
    await b.ok('POST', '/api/v1/periods/2026-02/close');
    const [entry] = await b.ledger(`partner_id=${ib}&kind=revenue_share`);
    expect(entry).toMatchObject({ amount: '1500', currency: 'USD' });
    const notes = JSON.stringify((await b.ok('GET', `/api/v1/ledger/${entry.entry_id}/explain`)));
    expect(notes).toContain('left out: account type demo-usd');
    expect(notes).toContain('left out: customers awaiting KYC approval');
    // Once KYC is approved, the customer's revenue counts: 30 % of 15,000.
    await b.customer('rsx-wait', 'IB-RSX', { kyc_status_id: 'approved' });
    await b.run('2026-02-01', '2026-02-28');
    expect(Number(total(await b.earnings(ib, '2026-02-01', '2026-02-28')))).toBe(4500);
  });
});
