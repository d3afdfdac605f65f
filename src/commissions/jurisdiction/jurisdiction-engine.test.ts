import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';

let t: TestServer;
let b: ReturnType<typeof brokerSteps>;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  b = brokerSteps(t, await t.token(['admin']));
});
afterAll(() => t.stop());

const total = (e: { currency: string; total: string }[], currency = 'USD') => e.find((x) => x.currency === currency)?.total ?? '0';
const policy = (p: Record<string, unknown>) => b.ok('POST', '/api/v1/jurisdiction-policies', p);

describe('an ASIC policy for Australian clients', () => {
  let ib: string;
  beforeAll(async () => {
    ib = await b.partner('IB-ASIC');
    await b.plan({ plan_id: 'asic-plan', name: 'Rebating IB', currency: 'USD', client_rebate: { allowed: true, per_lot: '5' }, rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '40' }, { symbol: 'XAUUSD', rate: '40' }] }] });
    await b.assign(ib, 'asic-plan');
    await b.customer('asic-au', 'IB-ASIC', { country_code: 'AU' });
    await b.customer('asic-de', 'IB-ASIC', { country_code: 'DE' });
    await b.activity([
      { customer_id: 'asic-au', instrument: 'EURUSD', lots_traded: '2' },
      { customer_id: 'asic-de', instrument: 'EURUSD', lots_traded: '2' },
    ]);
    await b.run();
    // Without a policy: 2 lots × 40 = 80, less the client's 2 × 5 = 10 rebate, for both.
    expect(total(await b.earnings(ib))).toBe('140');
    await policy({
      policy_id: 'asic-au', name: 'ASIC product intervention', regulator: 'ASIC', countries: ['AU'], currency: 'USD',
      client_rebates: 'off', per_lot_caps: [{ symbols: ['EURUSD', 'GBPUSD'], pips: '3' }],
    });
    await b.run();
  });

  it('removes the AU client\'s rebate, and the reversal names the policy', async () => {
    const rebates = (await b.ledger(`partner_id=${ib}&customer_id=asic-au`)).filter((e) => e.rule === 'client_rebate');
    expect(rebates.map((r) => [r.kind, r.amount])).toEqual([['client_rebate', '-10'], ['reversal', '10']]);
    const explained = await b.ok('GET', `/api/v1/ledger/${rebates[1].entry_id}/explain`);
    expect(explained.explanation.notes).toEqual(['Removed by jurisdiction policy asic-au v1 (ASIC): client rebates are off for clients in AU.']);
    const de = (await b.ledger(`partner_id=${ib}&customer_id=asic-de`)).filter((e) => e.rule === 'client_rebate');
    expect(de.map((r) => [r.kind, r.amount])).toEqual([['client_rebate', '-10']]);
  });

  it('caps per-lot pay at 3 pips (3 × 10 USD per lot) with the explanation', async () => {
    const [cap] = await b.ledger(`partner_id=${ib}&customer_id=asic-au&kind=cap_adjustment`);
    expect(cap).toMatchObject({ amount: '-20', rule: 'jurisdiction_per_lot_cap', source_key: '2026-03-02|asic-au|EURUSD|USD' });
    const explained = await b.ok('GET', `/api/v1/ledger/${cap.entry_id}/explain`);
    expect(explained.explanation).toMatchObject({ rule: 'jurisdiction_per_lot_cap', arithmetic: '2 × 30 − 80 = -20', inputs: { policy_id: 'asic-au', regulator: 'ASIC', client_country: 'AU', cap_per_lot: '30' } });
    expect(explained.explanation.notes[0]).toBe('Cut by jurisdiction policy asic-au v1 (ASIC): at most 3 pips × 10 USD pip value per lot = 30 USD per lot on EURUSD for clients in AU.');
  });

  it('leaves other countries\' clients alone: AU pays 60, DE still 70', async () => {
    const byCustomer = async (c: string) => (await b.ledger(`partner_id=${ib}&customer_id=${c}`)).reduce((s, r) => s + Number(r.amount), 0);
    expect(await byCustomer('asic-au')).toBe(60);
    expect(await byCustomer('asic-de')).toBe(70);
    expect(total(await b.earnings(ib))).toBe('130');
  });

  it('does not cap symbols outside the cap; a new fact records the removed rebate as a zero saying why', async () => {
    await b.activity([{ customer_id: 'asic-au', instrument: 'XAUUSD', lots_traded: '1', date: '2026-03-03' }]);
    await b.run();
    const gold = (await b.ledger(`partner_id=${ib}&customer_id=asic-au`)).filter((e) => e.instrument === 'XAUUSD');
    expect(gold.map((g) => [g.kind, g.amount]).sort()).toEqual([['client_rebate', '0'], ['per_lot', '40']]);
    const zero = gold.find((g) => g.kind === 'client_rebate') as { entry_id: string };
    const explained = (await b.ok('GET', `/api/v1/ledger/${zero.entry_id}/explain`)).explanation;
    expect(explained).toMatchObject({ rule: 'jurisdiction_policy', result: '0', arithmetic: '0 (was -5)', inputs: { policy_id: 'asic-au', removed: 'client rebate' } });
    expect(explained.steps[0]).toMatchObject({ rule: 'client_rebate' });
  });

  it('is idempotent: running again writes nothing', async () => {
    expect(await b.run()).toMatchObject({ entries_written: 0, reversed: 0 });
  });

  it('a version from a later date leaves earlier days as they were', async () => {
    await b.ok('PUT', '/api/v1/jurisdiction-policies/asic-au', {
      policy_id: 'asic-au', name: 'ASIC product intervention', regulator: 'ASIC', countries: ['AU'], currency: 'USD', client_rebates: 'off',
      per_lot_caps: [{ symbols: ['EURUSD', 'GBPUSD'], pips: '3' }, { symbols: ['XAUUSD'], amount: '25' }], effective_from: '2026-03-03',
    });
    await b.run();
    const [goldCap] = (await b.ledger(`partner_id=${ib}&customer_id=asic-au&kind=cap_adjustment`)).filter((e) => e.instrument === 'XAUUSD');
    expect(goldCap).toMatchObject({ amount: '-15' });
    expect((await b.ok('GET', `/api/v1/ledger/${goldCap.entry_id}/explain`)).explanation.notes[0]).toContain('asic-au v2 (ASIC): at most 25 USD per lot on XAUUSD');
    expect((await b.ledger(`partner_id=${ib}&customer_id=asic-au&kind=cap_adjustment`)).map((c) => c.fact_date).sort()).toEqual(['2026-03-02', '2026-03-03']);
  });
});

describe('period caps', () => {
  it('caps a partner\'s day, week and month from the policy\'s clients, exact to the cent', async () => {
    const ib = await b.partner('IB-PERIOD');
    await b.plan({ plan_id: 'period-plan', name: 'Per lot', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '6' }] }] });
    await b.assign(ib, 'period-plan');
    await b.customer('period-gb', 'IB-PERIOD', { country_code: 'GB' });
    await b.customer('period-fr', 'IB-PERIOD', { country_code: 'FR' });
    await policy({ policy_id: 'gb-caps', name: 'GB period caps', regulator: 'FCA', countries: ['GB'], currency: 'USD', period_caps: { per_day: '50.25', per_week: '90.05', per_month: '100.00' } });
    // Monday 2 March and Tuesday 3 March are one week, Monday 9 March the next.
    await b.activity([
      { customer_id: 'period-gb', instrument: 'EURUSD', lots_traded: '10', date: '2026-03-02' }, // 60 → day cap 50.25
      { customer_id: 'period-gb', instrument: 'EURUSD', lots_traded: '9.5', date: '2026-03-03' }, // 57 → 50.25; week 100.50 → 90.05
      { customer_id: 'period-gb', instrument: 'EURUSD', lots_traded: '3.3', date: '2026-03-09' }, // 19.80; month 109.85 → 100.00
      { customer_id: 'period-fr', instrument: 'EURUSD', lots_traded: '10', date: '2026-03-02' }, // 60, not capped
    ]);
    await b.run();
    const caps = await b.ledger(`partner_id=${ib}&kind=cap_adjustment`);
    expect(caps.map((c) => [c.rule, c.fact_date, c.amount]).sort()).toEqual([
      ['jurisdiction_day_cap', '2026-03-02', '-9.75'],
      ['jurisdiction_day_cap', '2026-03-03', '-6.75'],
      ['jurisdiction_month_cap', '2026-03-31', '-9.85'],
      ['jurisdiction_week_cap', '2026-03-08', '-10.45'],
    ]);
    const gb = await b.ledger(`partner_id=${ib}&customer_id=period-gb`);
    const capped = [...gb, ...caps].reduce((s, r) => s.plus(r.amount), new (await import('../../shared/decimal.ts')).Dec(0));
    expect(capped.toFixed()).toBe('100');
    expect(total(await b.earnings(ib))).toBe('160');
    const week = caps.find((c) => c.rule === 'jurisdiction_week_cap') as { entry_id: string };
    const explained = (await b.ok('GET', `/api/v1/ledger/${week.entry_id}/explain`)).explanation;
    expect(explained).toMatchObject({ arithmetic: '90.05 − 100.5 = -10.45', inputs: { policy_id: 'gb-caps', cap: 'per_week', period: '2026-03-02 to 2026-03-08' } });
    expect(explained.notes[0]).toContain('Cut by jurisdiction policy gb-caps v1 (FCA): at most 90.05 USD per week per partner');
  });
});

describe('rule types not allowed and acquisition refused', () => {
  it('pays nothing for a refused rule type and for clients of a country partners may not acquire, saying why', async () => {
    const ib = await b.partner('IB-REFUSE');
    const licensed = await b.partner('IB-LICENSED');
    await b.plan({ plan_id: 'refuse-plan', name: 'Per lot and spread', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '6' }] }, { type: 'spread_share', percent: '50' }] });
    await b.assign(ib, 'refuse-plan');
    await b.assign(licensed, 'refuse-plan');
    await b.customer('refuse-jp', 'IB-REFUSE', { country_code: 'JP' });
    await b.customer('refuse-us', 'IB-REFUSE', { country_code: 'US' });
    await b.customer('refuse-us2', 'IB-LICENSED', { country_code: 'US' });
    await policy({ policy_id: 'jp-no-spread', name: 'No spread share in Japan', countries: ['JP'], disallowed_rules: ['spread_share'] });
    await policy({ policy_id: 'us-closed', name: 'No US clients', regulator: 'CFTC', countries: ['US'], acquisition: { allowed: false, except_partners: [licensed] } });
    await b.activity([
      { customer_id: 'refuse-jp', instrument: 'EURUSD', lots_traded: '1', spread_cost: '20' },
      { customer_id: 'refuse-us', instrument: 'EURUSD', lots_traded: '1', spread_cost: '20' },
      { customer_id: 'refuse-us2', instrument: 'EURUSD', lots_traded: '1', spread_cost: '20' },
    ]);
    await b.run();
    const jp = await b.ledger(`partner_id=${ib}&customer_id=refuse-jp`);
    expect(jp.map((e) => [e.rule, e.amount]).sort()).toEqual([['per_lot', '6'], ['spread_share', '0']]);
    const spread = jp.find((e) => e.rule === 'spread_share') as { entry_id: string };
    expect(JSON.stringify((await b.ok('GET', `/api/v1/ledger/${spread.entry_id}/explain`)).explanation)).toContain('Removed by jurisdiction policy jp-no-spread v1: spread_share pay is not allowed for clients in JP');
    const us = await b.ledger(`partner_id=${ib}&customer_id=refuse-us`);
    expect(us.map((e) => [e.rule, e.amount])).toEqual([['jurisdiction_blocked', '0']]);
    const why = (await b.ok('GET', `/api/v1/ledger/${us[0].entry_id}/explain`)).explanation;
    expect(why).toMatchObject({ inputs: { amount_before: '16', client_country: 'US' }, notes: ['Removed by jurisdiction policy us-closed v1 (CFTC): partners may not acquire clients from US.'] });
    expect((await b.ledger(`partner_id=${licensed}&customer_id=refuse-us2`)).reduce((s, e) => s + Number(e.amount), 0)).toBe(16);
  });
});

describe('per-trade caps', () => {
  it('takes off what each trade earns above the cap, sharing the day\'s pay by the trades\' lots', async () => {
    const ib = await b.partner('IB-TRADE');
    await b.plan({ plan_id: 'trade-plan', name: 'Per lot', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '10' }] }] });
    await b.assign(ib, 'trade-plan');
    await b.customer('trade-cy', 'IB-TRADE', { country_code: 'CY' });
    await policy({ policy_id: 'cy-trade', name: 'Per-trade cap', regulator: 'CySEC', countries: ['CY'], currency: 'USD', per_trade_cap: '12.5' });
    await b.ok('POST', '/api/v1/forex/deals', [
      { deal_id: 'TC-1', customer_id: 'trade-cy', symbol: 'EURUSD', currency: 'USD', side: 'buy', lots: '3', open_time: '2026-03-04T09:00:00Z', close_time: '2026-03-04T10:00:00Z' },
      { deal_id: 'TC-2', customer_id: 'trade-cy', symbol: 'EURUSD', currency: 'USD', side: 'sell', lots: '1', open_time: '2026-03-04T10:30:00Z', close_time: '2026-03-04T11:00:00Z' },
    ]);
    await b.run();
    // 4 lots × 10 = 40: the 3-lot trade earned 30 (17.5 above 12.5), the 1-lot trade 10.
    const entries = await b.ledger(`partner_id=${ib}&customer_id=trade-cy`);
    expect(entries.map((e) => [e.rule, e.amount]).sort()).toEqual([['jurisdiction_per_trade_cap', '-17.5'], ['per_lot', '40']]);
  });
});

describe('two policies for one client', () => {
  it('make one cap entry per fact and partner that explains each cut in turn', async () => {
    const ib = await b.partner('IB-TWO');
    await b.plan({ plan_id: 'two-plan', name: 'Per lot', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '40' }] }] });
    await b.assign(ib, 'two-plan');
    await b.customer('two-sg', 'IB-TWO', { country_code: 'SG' });
    await policy({ policy_id: 'sg-a', name: 'A', countries: ['SG'], currency: 'USD', per_lot_caps: [{ symbols: ['EURUSD'], amount: '30' }] });
    await policy({ policy_id: 'sg-b', name: 'B', countries: ['SG'], currency: 'USD', per_lot_caps: [{ symbols: ['EURUSD'], amount: '20' }] });
    await b.activity([{ customer_id: 'two-sg', instrument: 'EURUSD', lots_traded: '2', date: '2026-03-05' }]);
    await b.run();
    const caps = (await b.ledger(`partner_id=${ib}&kind=cap_adjustment`)) as { amount: string; entry_id: string }[];
    expect(caps.map((c) => c.amount)).toEqual(['-40']);
    const explained = (await b.ok('GET', `/api/v1/ledger/${caps[0].entry_id}/explain`)).explanation;
    expect(explained.arithmetic).toBe('-20 + -20 = -40');
    expect(explained.notes).toHaveLength(2);
  });
});
