import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { transition } from '../ledger/write.ts';

let t: TestServer;
let b: ReturnType<typeof brokerSteps>;
beforeAll(async () => {
  // Runs are triggered explicitly here; the background run has its own test.
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  b = brokerSteps(t, await t.token(['admin']));
});
afterAll(() => t.stop());

const perLotPlan = (planId: string, extra: Record<string, unknown> = {}) => ({
  plan_id: planId,
  name: `Plan ${planId}`,
  currency: 'USD',
  symbol_groups: [
    { group: 'fx_majors', symbols: ['EURUSD', 'GBPUSD', 'USDJPY'] },
    { group: 'metals', symbols: ['XAU*', 'XAG*'] },
  ],
  rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '6' }, { group: 'fx_majors', rate: '4' }, { group: 'metals', rate: '8' }] }],
  ...extra,
});
const total = (e: { currency: string; total: string }[], currency = 'USD') => e.find((x) => x.currency === currency)?.total ?? '0';

describe('per-lot commission through the API', () => {
  let ib: string;
  beforeAll(async () => {
    ib = await b.partner('IB-PL');
    await b.plan(perLotPlan('pl'));
    await b.assign(ib, 'pl');
    await b.customer('pl-c1', 'IB-PL');
  });

  it('pays the symbol rate before the group rate: 2.5 EURUSD + 1.2 GBPUSD + 0.5 XAUUSD → 23.80', async () => {
    await b.activity([
      { customer_id: 'pl-c1', instrument: 'EURUSD', lots_traded: '2.5' },
      { customer_id: 'pl-c1', instrument: 'GBPUSD', lots_traded: '1.2' },
      { customer_id: 'pl-c1', instrument: 'XAUUSD', lots_traded: '0.5' },
    ]);
    const run = await b.run();
    expect(run.entries_written).toBe(3);
    const e = await b.earnings(ib);
    expect(Number(total(e))).toBe(23.8);
    expect(total(e)).toMatch(/^23\.80*$/);
    expect(e[0].by_status).toEqual({ approved: total(e) });
  });

  it('changes nothing when run again', async () => {
    const again = await b.run();
    expect(again).toMatchObject({ entries_written: 0, reversed: 0 });
  });

  it('writes exactly the delta when a day is replaced intraday', async () => {
    await b.activity([{ customer_id: 'pl-c1', instrument: 'EURUSD', lots_traded: '3' }]);
    const run = await b.run();
    expect(run.entries_written).toBe(1);
    const [adj] = await b.ledger(`partner_id=${ib}&kind=adjustment`);
    expect(adj).toMatchObject({ amount: '3', kind: 'adjustment', source_key: '2026-03-02|pl-c1|EURUSD|USD' });
    expect(adj.corrects).toEqual(expect.any(String));
    expect(total(await b.earnings(ib))).toMatch(/^26\.80*$/);
  });

  it('records "no rate" as a zero entry, never an error', async () => {
    await b.activity([{ customer_id: 'pl-c1', instrument: 'BTCUSD', lots_traded: '1' }]);
    await b.run();
    const [zero] = await b.ledger(`partner_id=${ib}&kind=per_lot&customer_id=pl-c1`).then((rows) => rows.filter((r) => r.instrument === 'BTCUSD'));
    expect(zero.amount).toBe('0');
    const explained = await b.ok('GET', `/api/v1/ledger/${zero.entry_id}/explain`);
    expect(explained.explanation).toMatchObject({ rule: 'per_lot', result: '0', inputs: { symbol: 'BTCUSD', lots: '1', rate: null } });
    expect(explained.explanation.notes.join(' ')).toMatch(/pays nothing/);
  });

  it('keeps sums exact: 0.1 + 0.2 lots at 6 is 1.8, not 1.8000000000000003', async () => {
    await b.customer('pl-c2', 'IB-PL');
    await b.activity([
      { customer_id: 'pl-c2', instrument: 'EURUSD', lots_traded: '0.1', date: '2026-03-03' },
      { customer_id: 'pl-c2', instrument: 'EURUSD', lots_traded: '0.2', date: '2026-03-04' },
    ]);
    await b.run();
    const rows = await b.ledger(`partner_id=${ib}&customer_id=pl-c2`);
    const sum = rows.reduce((s, r) => s + Math.round(Number(r.amount) * 100), 0);
    expect(sum).toBe(180);
    expect(rows.map((r) => r.amount).sort()).toEqual(['0.6', '1.2']);
  });

  it('refuses to update or delete a ledger entry', async () => {
    await expect(t.server.ctx.db.query(`UPDATE ledger_entries SET amount = 0`)).rejects.toThrow(/append-only/);
    await expect(t.server.ctx.db.query(`DELETE FROM ledger_entries`)).rejects.toThrow(/append-only/);
  });

  it('filters the ledger by fact date', async () => {
    const march = await b.ledger(`partner_id=${ib}&from=2026-03-03&to=2026-03-04`);
    expect(march.length).toBe(2);
    expect(march.every((r) => r.fact_date >= '2026-03-03' && r.fact_date <= '2026-03-04')).toBe(true);
    expect((await t.call('GET', '/api/v1/ledger?from=2026-13-01', { token: await t.token() })).status).toBe(400);
  });

  it('explains an entry in words and numbers', async () => {
    const [entry] = await b.ledger(`partner_id=${ib}&kind=per_lot`);
    const res = await b.ok('GET', `/api/v1/ledger/${entry.entry_id}/explain`);
    expect(res.summary).toContain(ib);
    expect(res.explanation).toMatchObject({ rule: 'per_lot', formula: expect.any(String), arithmetic: expect.any(String) });
    expect(res.history.length).toBeGreaterThanOrEqual(1);
  });
});

describe('multi-level: override and differential', () => {
  it('pays a differential chain 0.5 / 0.8 / 1.3 per lot on 10 lots as 5 / 3 / 5', async () => {
    const rate = (id: string, r: string) => ({ plan_id: id, name: id, currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: r }] }], hierarchy: { mode: 'differential' } });
    await b.plan(rate('diff-top', '1.3'));
    await b.plan(rate('diff-mid', '0.8'));
    await b.plan(rate('diff-low', '0.5'));
    const top = await b.partner('IB-DT');
    const mid = await b.partner('IB-DM', { parent_id: top });
    const low = await b.partner('IB-DL', { parent_id: mid });
    await b.assign(top, 'diff-top');
    await b.assign(mid, 'diff-mid');
    await b.assign(low, 'diff-low');
    await b.customer('diff-c', 'IB-DL');
    await b.activity([{ customer_id: 'diff-c', instrument: 'EURUSD', lots_traded: '10' }]);
    await b.run();
    expect(Number(total(await b.earnings(low)))).toBe(5);
    expect(Number(total(await b.earnings(mid)))).toBe(3);
    expect(Number(total(await b.earnings(top)))).toBe(5);
  });

  it('pays override levels: fixed per lot to the parent, a percent of it to the grandparent, after the client rebate', async () => {
    await b.plan(perLotPlan('ovr', { hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1.50' }, { level: 2, percent_of_child: '10' }] }, client_rebate: { allowed: true } }));
    const gp = await b.partner('IB-OG');
    const parent = await b.partner('IB-OP', { parent_id: gp });
    const owner = await b.partner('IB-OO', { parent_id: parent });
    await b.assign(owner, 'ovr', '2020-01-01', { client_rebate: { per_lot: '1' } });
    await b.customer('ovr-c', 'IB-OO');
    await b.activity([{ customer_id: 'ovr-c', instrument: 'EURUSD', lots_traded: '2' }]);
    await b.run();
    const ownerEarn = await b.earnings(owner);
    expect(Number(total(ownerEarn))).toBe(10); // 2 × 6 − 2 × 1 rebate
    expect(ownerEarn[0].by_kind).toMatchObject({ per_lot: '12', client_rebate: '-2' });
    expect(Number(total(await b.earnings(parent)))).toBe(3); // 2 × 1.50
    expect(Number(total(await b.earnings(gp)))).toBe(0.3); // 10% of 3
    const levels = (await b.earnings(gp))[0].by_level;
    expect(Object.keys(levels)).toEqual(['2']);
  });

  it('shares volume and spread pay through the hierarchy: a percent override of what the sub-IB earned, a split of each pool', async () => {
    // Override: the master earns 10 % of what its sub-IB earns per notional and on spread.
    await b.plan({
      plan_id: 'vol-ovr', name: 'Volume with override', currency: 'USD',
      rules: [{ type: 'per_notional', per_usd: '100000', rate: '10' }, { type: 'spread_share', percent: '40' }],
      hierarchy: { mode: 'override', levels: [{ level: 1, percent_of_child: '10' }] },
    });
    const master = await b.partner('IB-VM');
    const sub = await b.partner('IB-VS', { parent_id: master });
    await b.assign(sub, 'vol-ovr');
    await b.customer('vol-c', 'IB-VS');
    await b.activity([{ customer_id: 'vol-c', instrument: 'EURUSD', lots_traded: '3', volume_usd: '330000', spread_cost: '21', date: '2026-09-02' }]);
    await b.run('2026-09-01', '2026-09-30');
    const subEarn = (await b.earnings(sub))[0];
    expect(subEarn.by_kind).toEqual({ per_notional: '33', spread_share: '8.4' }); // 330,000 ÷ 100,000 × 10; 40 % of 21
    const masterEarn = (await b.earnings(master))[0];
    expect(masterEarn.by_kind).toEqual({ override: '4.14' }); // 10 % of 33 + 10 % of 8.4
    expect(masterEarn.by_level).toEqual({ 1: '4.14' });

    // Split 70 / 30 of each pool between the owner and its parent.
    await b.plan({
      plan_id: 'vol-split', name: 'Volume split', currency: 'USD',
      rules: [{ type: 'per_notional', per_usd: '100000', rate: '10' }],
      hierarchy: { mode: 'split', levels: [{ level: 0, percent: '70' }, { level: 1, percent: '30' }] },
    });
    const top = await b.partner('IB-VT');
    const owner = await b.partner('IB-VO', { parent_id: top });
    await b.assign(owner, 'vol-split');
    await b.customer('vol-s', 'IB-VO');
    await b.activity([{ customer_id: 'vol-s', instrument: 'EURUSD', lots_traded: '1', volume_usd: '200000', date: '2026-09-03' }]);
    await b.run('2026-09-01', '2026-09-30');
    expect((await b.earnings(owner))[0].by_kind).toEqual({ per_notional: '14' }); // 70 % of 20
    expect((await b.earnings(top))[0].by_kind).toEqual({ override: '6' });
  });
});

describe('KYC holds', () => {
  it('holds commissions on unapproved KYC as pending, reverses them on rejection and pays them on approval', async () => {
    await b.plan(perLotPlan('kyc', { exclusions: { require_kyc_approved: true } }));
    const ib = await b.partner('IB-KYC');
    await b.assign(ib, 'kyc');
    await b.customer('kyc-c', 'IB-KYC', { kyc_status_id: 'pending' });
    await b.activity([{ customer_id: 'kyc-c', instrument: 'EURUSD', lots_traded: '1' }]);
    await b.run();
    let [entry] = await b.ledger(`partner_id=${ib}`);
    expect(entry).toMatchObject({ status: 'pending', hold_reason: 'kyc_pending', amount: '6' });

    await b.customer('kyc-c', 'IB-KYC', { kyc_status_id: 'rejected' });
    await b.run();
    const afterReject = await b.ledger(`partner_id=${ib}`);
    expect(afterReject.map((r) => [r.kind, r.amount, r.status])).toEqual([
      ['per_lot', '6', 'reversed'],
      ['reversal', '-6', 'reversed'],
    ]);
    expect(Number(total(await b.earnings(ib)))).toBe(0);

    await b.customer('kyc-c', 'IB-KYC', { kyc_status_id: 'approved' });
    await b.run();
    const e = await b.earnings(ib);
    expect(Number(total(e))).toBe(6);
    expect(Number(e[0].by_status.approved)).toBe(6);
    // Held and reversed amounts were never payable: only the final 6 is announced as approved.
    const approved = (await t.call('GET', '/api/v1/events?type=commission.approved&limit=1000', { token: await t.token(['admin']) })).body.data.filter((ev: any) => ev.data.partner_id === ib);
    expect(approved.map((ev: any) => [ev.data.amount, ev.data.currency])).toEqual([['6', 'USD']]);
  });

  it('announces approved commission reversed before payment as a negative commission.approved', async () => {
    await b.plan(perLotPlan('kyc-rev', { exclusions: { require_kyc_approved: true } }));
    const ib = await b.partner('IB-KYC-V');
    await b.assign(ib, 'kyc-rev');
    await b.customer('kyc-v', 'IB-KYC-V', { kyc_status_id: 'approved' });
    await b.activity([{ customer_id: 'kyc-v', instrument: 'EURUSD', lots_traded: '1' }]);
    await b.run();
    await b.customer('kyc-v', 'IB-KYC-V', { kyc_status_id: 'rejected' });
    await b.run();
    const events = (await t.call('GET', '/api/v1/events?type=commission.approved&limit=1000', { token: await t.token(['admin']) })).body.data.filter((ev: any) => ev.data.partner_id === ib);
    expect(events.map((ev: any) => ev.data.amount)).toEqual(['6', '-6']);
    expect(Number(total(await b.earnings(ib)))).toBe(0);
  });

  it('announces a released hold as commission.approved', async () => {
    await b.plan(perLotPlan('kyc-release', { exclusions: { require_kyc_approved: true } }));
    const ib = await b.partner('IB-KYC-R');
    await b.assign(ib, 'kyc-release');
    await b.customer('kyc-r', 'IB-KYC-R', { kyc_status_id: 'pending' });
    await b.activity([{ customer_id: 'kyc-r', instrument: 'EURUSD', lots_traded: '2' }]);
    await b.run();
    await b.customer('kyc-r', 'IB-KYC-R', { kyc_status_id: 'approved' });
    await b.run();
    const [entry] = await b.ledger(`partner_id=${ib}`);
    expect(entry).toMatchObject({ status: 'approved', amount: '12' });
    const approved = (await t.call('GET', '/api/v1/events?type=commission.approved&limit=1000', { token: await t.token(['admin']) })).body.data.filter((ev: any) => ev.data.partner_id === ib);
    expect(approved.map((ev: any) => [ev.data.amount, ev.data.entries, ev.data.reason])).toEqual([['12', 1, 'hold released on recomputation']]);
  });
});

describe('tiers, revenue share and period close', () => {
  const tierPlan = (id: string, mode: string) => ({
    plan_id: id,
    name: id,
    currency: 'USD',
    rules: [{ type: 'tiered_per_lot', period: 'month', mode, tiers: [{ from_lots: '0', rate: '3' }, { from_lots: '100', rate: '5' }, { from_lots: '500', rate: '7' }] }],
  });

  it.each([
    ['retroactive', '4340'],
    ['marginal', '3140'],
  ])('pays 620 lots in a month %s as %s after the close, never re-paying', async (mode, expected) => {
    await b.plan(tierPlan(`tier-${mode}`, mode));
    const ib = await b.partner(`IB-T-${mode}`);
    await b.assign(ib, `tier-${mode}`);
    await b.customer(`tier-${mode}-c`, `IB-T-${mode}`);
    const days = [
      ['2026-04-01', '80'],
      ['2026-04-10', '300'],
      ['2026-04-20', '240'],
    ];
    await b.activity(days.map(([date, lots]) => ({ customer_id: `tier-${mode}-c`, instrument: 'EURUSD', lots_traded: lots, date })));
    await b.run('2026-04-01', '2026-04-30');
    await b.ok('POST', '/api/v1/periods/2026-04/close');
    const e = await b.earnings(ib, '2026-04-01', '2026-04-30');
    expect(Number(total(e))).toBe(Number(expected));
    await b.ok('POST', '/api/v1/periods/2026-04/close');
    expect(Number(total(await b.earnings(ib, '2026-04-01', '2026-04-30')))).toBe(Number(expected));
  });

  it('counts toward the tier only the lots per-lot pay would count: excluded instruments add nothing', async () => {
    await b.plan({ ...tierPlan('tier-excl', 'retroactive'), exclusions: { instruments: ['US30'] } });
    const ib = await b.partner('IB-T-EXCL');
    await b.assign(ib, 'tier-excl');
    await b.customer('tier-excl-c', 'IB-T-EXCL');
    await b.activity([
      { customer_id: 'tier-excl-c', instrument: 'EURUSD', lots_traded: '80', date: '2026-10-05' },
      { customer_id: 'tier-excl-c', instrument: 'US30', lots_traded: '50', date: '2026-10-06' },
    ]);
    await b.run('2026-10-01', '2026-10-31');
    await b.ok('POST', '/api/v1/periods/2026-10/close');
    // 80 lots stay in the first tier (3 per lot): 240. With US30 counted, 130 lots would reach 5 per lot.
    expect(Number(total(await b.earnings(ib, '2026-10-01', '2026-10-31')))).toBe(240);
  });

  it.each([
    [true, '1500'],
    [false, '4500'],
  ])('revenue share at 30 percent of −10,000 then +15,000 (carry-over: %s) pays %s', async (carry, expected) => {
    const id = `rs-${carry}`;
    await b.plan({ plan_id: id, name: id, currency: 'USD', rules: [{ type: 'revenue_share', percent: '30', negative_carryover: carry, components: ['client_pnl'] }] });
    const ib = await b.partner(`IB-RS-${carry}`);
    await b.assign(ib, id);
    await b.customer(`${id}-c`, `IB-RS-${carry}`);
    // Client profit of 10,000 is a broker loss; a client loss of 15,000 is broker revenue.
    await b.activity([
      { customer_id: `${id}-c`, instrument: 'EURUSD', lots_traded: '1', pnl: '10000', date: '2026-05-10' },
      { customer_id: `${id}-c`, instrument: 'EURUSD', lots_traded: '1', pnl: '-15000', date: '2026-06-10' },
    ]);
    await b.ok('POST', '/api/v1/periods/2026-05/close');
    await b.ok('POST', '/api/v1/periods/2026-06/close');
    expect(Number(total(await b.earnings(ib, '2026-05-01', '2026-06-30')))).toBe(Number(expected));
  });
});

describe('CPA, chargebacks and FX', () => {
  it('pays CPA once on a qualified FTD and claws it back after payout when the deposit is charged back', async () => {
    await b.plan({
      plan_id: 'cpa',
      name: 'CPA',
      currency: 'USD',
      rules: [{ type: 'cpa', amount: '200', country_amounts: { AE: '1000' }, min_first_deposit: '100', ftd_window_hours: 24, min_lots: '0', qualify_within_days: 90, require_kyc: false }],
    });
    const ib = await b.partner('IB-CPA');
    await b.assign(ib, 'cpa');
    await b.customer('cpa-c', 'IB-CPA', { country_code: 'AE' });
    await b.transactions([{ transaction_id: 'cpa-d1', customer_id: 'cpa-c', transaction_type: 'deposit', amount: '150' }]);
    await b.run();
    await b.run();
    const [cpa] = await b.ledger(`partner_id=${ib}&kind=cpa`);
    expect(cpa).toMatchObject({ amount: '1000', status: 'approved', customer_id: 'cpa-c' });
    const events = await b.ok('GET', '/api/v1/events?type=cpa.qualified');
    expect(events.data.filter((e: { subject_id: string }) => e.subject_id === 'cpa-c')).toHaveLength(1);

    // Paid out (payout runs mark entries paid), then the deposit is charged back.
    const ids = (await t.server.ctx.db.query<{ id: number }>('SELECT id FROM ledger_entries WHERE partner_id = $1', [ib])).map((r) => r.id);
    await t.server.ctx.db.transaction((tx) => transition(tx, ids, 'paid', 'paid in a test', ['approved'], { actor: 'test', payoutId: 'test' }));
    await b.transactions([{ transaction_id: 'cpa-cb1', customer_id: 'cpa-c', transaction_type: 'chargeback', amount: '150', transaction_date: '2026-02-01T00:00:00Z' }]);
    await b.run();
    const e = await b.earnings(ib);
    expect(e[0].by_status).toMatchObject({ paid: '1000', approved: '-1000' });
    expect(e[0].by_kind.clawback).toBe('-1000');
  });

  it('holds an earning in its own currency without an FX rate and converts it once the rate arrives', async () => {
    await b.plan(perLotPlan('eur-pay'));
    const ib = await b.partner('IB-EUR', { payout_currency: 'EUR' });
    await b.assign(ib, 'eur-pay');
    await b.customer('fx-c', 'IB-EUR');
    await b.activity([{ customer_id: 'fx-c', instrument: 'EURUSD', lots_traded: '1', date: '2026-07-01' }]);
    await b.run();
    let [held] = await b.ledger(`partner_id=${ib}`);
    expect(held).toMatchObject({ currency: 'USD', amount: '6', status: 'pending', hold_reason: 'missing_fx_rate' });
    await b.ok('POST', '/api/v1/fx-rates', [{ date: '2026-07-01', base: 'EUR', quote: 'USD', rate: '1.2' }]);
    await b.run();
    const e = await b.earnings(ib);
    expect(total(e, 'EUR')).toBe('5');
    expect(total(e, 'USD')).toMatch(/^0/);
    [held] = await b.ledger(`partner_id=${ib}&kind=per_lot`);
    expect(held.status).toBe('reversed');
  });

  it('pays spread share earned on a cent account in dollars, a hundredth of the cents, with no rate loaded', async () => {
    await b.plan({ plan_id: 'cent', name: 'Cent spread share', currency: 'USD', rules: [{ type: 'spread_share', percent: '50' }] });
    const ib = await b.partner('IB-CENT', { payout_currency: 'USD' });
    await b.assign(ib, 'cent');
    await b.customer('cent-c', 'IB-CENT');
    await b.activity([{ customer_id: 'cent-c', instrument: 'EURUSD', lots_traded: '1', currency: 'USC', spread_cost: '1234', date: '2026-11-02' }]);
    await b.run('2026-11-01', '2026-11-30');
    const [entry] = await b.ledger(`partner_id=${ib}`);
    expect(entry).toMatchObject({ currency: 'USD', amount: '6.17', status: 'approved', hold_reason: null }); // 50 % of 1,234 cents = 617 USC
    const explained = JSON.stringify(await b.ok('GET', `/api/v1/ledger/${entry.entry_id}/explain`));
    expect(explained).toContain('617 ÷ 100 = 6.17 USD');
    const [{ rate }] = await t.server.ctx.db.query<{ rate: string }>(`SELECT fx_rate('2026-11-02', 'USC', 'USD')::text AS rate`);
    expect(Number(rate)).toBe(0.01);
  });
});

describe('plan simulation', () => {
  it('shows what a plan would have paid without writing anything', async () => {
    await b.plan(perLotPlan('sim', { rules: [{ type: 'per_lot', rates: [{ group: 'fx_majors', rate: '10' }] }] }));
    const before = (await b.ledger('')).length;
    const ib = (await b.ok('GET', '/api/v1/partners?affiliate_id=IB-PL')).data[0].partner_id;
    const res = await b.ok('POST', '/api/v1/plans/sim/simulate', { from: '2026-03-01', to: '2026-03-31', partner_ids: [ib] });
    const row = res.partners.find((p: { partner_id: string }) => p.partner_id === ib);
    expect(Number(row.simulated)).toBeGreaterThan(Number(row.actual));
    expect((await b.ledger('')).length).toBe(before);
  });

  it('simulates an unsaved edit, and a plan not created yet, without saving either; an invalid edit answers 422 naming the field', async () => {
    await b.plan(perLotPlan('sim-draft', { rules: [{ type: 'per_lot', rates: [{ group: 'fx_majors', rate: '10' }] }] }));
    const ib = (await b.ok('GET', '/api/v1/partners?affiliate_id=IB-PL')).data[0].partner_id;
    const before = (await b.ledger('')).length;
    const period = { from: '2026-03-01', to: '2026-03-31', partner_ids: [ib] };
    const stored = (await b.ok('POST', '/api/v1/plans/sim-draft/simulate', period)).partners.find((p: { partner_id: string }) => p.partner_id === ib);
    expect(Number(stored.simulated)).toBeGreaterThan(0);

    // The same plan with the rate doubled, not saved: twice the stored version's figure.
    const edit = perLotPlan('sim-draft', { rules: [{ type: 'per_lot', rates: [{ group: 'fx_majors', rate: '20' }] }] });
    const drafted = await b.ok('POST', '/api/v1/plans/sim-draft/simulate', { ...period, plan: edit });
    expect(drafted.draft).toBe(true);
    expect(drafted.version).toBe(2);
    const row = drafted.partners.find((p: { partner_id: string }) => p.partner_id === ib);
    expect(new Decimal(row.simulated).eq(new Decimal(stored.simulated).times(2))).toBe(true);
    expect(row.actual).toBe(stored.actual);
    expect((await b.ok('GET', '/api/v1/plans/sim-draft')).versions).toHaveLength(1);

    // A plan that does not exist yet, for chosen partners.
    const fresh = await b.ok('POST', '/api/v1/plans/sim-new/simulate', { ...period, plan: perLotPlan('sim-new') });
    expect(fresh.partners.find((p: { partner_id: string }) => p.partner_id === ib)).toBeTruthy();
    expect((await t.call('GET', '/api/v1/plans/sim-new', { token: await t.token(['admin']) })).status).toBe(404);

    // An invalid edit, or one naming another plan: 422 with the field, as saving would answer.
    const admin = await t.token(['admin']);
    const bad = await t.call('POST', '/api/v1/plans/sim-draft/simulate', { token: admin, body: { ...period, plan: { ...edit, rules: [{ type: 'per_lot', rates: [{ group: 'fx_majors', rate: '-1' }] }] } } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error.details)).toMatch(/rules.*rate/);
    const other = await t.call('POST', '/api/v1/plans/sim-draft/simulate', { token: admin, body: { ...period, plan: perLotPlan('another') } });
    expect(other.status).toBe(422);
    expect(other.body.error.details).toEqual([{ field: 'plan_id', reason: 'must be "sim-draft", the plan in the path' }]);
    expect((await b.ledger('')).length).toBe(before);
  });
});

describe('reassignment', () => {
  it('credits each day to whoever owned the customer that day, and moves earlier earnings when history changes', async () => {
    await b.plan(perLotPlan('re'));
    const first = await b.partner('IB-RE1');
    const second = await b.partner('IB-RE2');
    await b.assign(first, 're');
    await b.assign(second, 're');
    await b.customer('re-c', 'IB-RE1');
    await b.activity([
      { customer_id: 're-c', instrument: 'EURUSD', lots_traded: '1', date: '2026-08-03' },
      { customer_id: 're-c', instrument: 'EURUSD', lots_traded: '2', date: '2026-08-05' },
    ]);
    await b.run();
    expect(Number(total(await b.earnings(first)))).toBe(18);
    await b.ok('POST', '/api/v1/customers/re-c/reassign', { partner_id: second, effective_from: '2026-08-05', reason: 'moved to a new desk', force: true });
    await b.run();
    expect(Number(total(await b.earnings(first)))).toBe(6);
    expect(Number(total(await b.earnings(second)))).toBe(12);
    const moved = await b.ledger(`partner_id=${first}&kind=reversal`);
    expect(moved.map((r) => r.source_key)).toEqual(['2026-08-05|re-c|EURUSD|USD']);
  });
});
