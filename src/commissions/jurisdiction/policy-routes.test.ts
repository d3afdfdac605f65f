import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';

let t: TestServer;
let admin: string;
let b: ReturnType<typeof brokerSteps>;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token(['admin']);
  b = brokerSteps(t, admin);
});
afterAll(() => t.stop());

const ASIC = { policy_id: 'asic', name: 'ASIC', regulator: 'ASIC', countries: ['AU'], currency: 'USD', client_rebates: 'off', per_lot_caps: [{ symbols: ['EURUSD'], pips: '3' }] };
const post = (body: unknown, token = admin) => t.call('POST', '/api/v1/jurisdiction-policies', { token, body });

describe('jurisdiction policy API', () => {
  it('creates a policy, adds versions, retires it, and audits every change', async () => {
    const created = await post({ ...ASIC, effective_from: '2026-01-01' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ policy_id: 'asic', version: 1, effective_from: '2026-01-01', definition: ASIC });
    const v2 = await t.call('PUT', '/api/v1/jurisdiction-policies/asic', { token: admin, body: { ...ASIC, per_lot_caps: [{ symbols: ['EURUSD'], pips: '2' }], effective_from: '2026-03-01' } });
    expect(v2.body).toMatchObject({ version: 2, effective_from: '2026-03-01' });
    const retired = await t.call('DELETE', '/api/v1/jurisdiction-policies/asic?effective_from=2026-06-01', { token: admin });
    expect(retired.body).toMatchObject({ version: 3, definition: { retired: true } });
    expect((await t.call('DELETE', '/api/v1/jurisdiction-policies/asic?effective_from=2026-07-01', { token: admin })).status).toBe(409);
    const got = await t.call('GET', '/api/v1/jurisdiction-policies/asic', { token: admin });
    expect(got.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
    const audit = (await t.call('GET', '/api/v1/audit-log?subject_type=jurisdiction_policies&subject_id=asic', { token: admin })).body.data as { action: string; before: any; after: any }[];
    expect(audit.map((a) => a.action).sort()).toEqual(['jurisdiction_policies.create', 'jurisdiction_policies.replace', 'jurisdiction_policies.retire']);
    expect(audit.find((a) => a.action === 'jurisdiction_policies.replace')?.before).toMatchObject({ version: 1 });
    const events = (await t.call('GET', '/api/v1/events?type=jurisdiction_policy.version_created', { token: admin })).body.data as { data: { version: number } }[];
    expect(events.map((e) => e.data.version).sort()).toEqual([1, 2, 3]);
  });

  it.each([
    ['pips and amount together', { ...ASIC, policy_id: 'bad1', per_lot_caps: [{ symbols: ['EURUSD'], pips: '3', amount: '30' }] }, 'per_lot_caps[0]'],
    ['a cap without a currency', { ...ASIC, policy_id: 'bad2', currency: undefined }, 'currency'],
    ['an unknown currency', { ...ASIC, policy_id: 'bad3', currency: 'XXY' }, 'currency'],
    ['a lower-case country', { ...ASIC, policy_id: 'bad4', countries: ['au'] }, 'countries[0]'],
    ['a number instead of a decimal string', { ...ASIC, policy_id: 'bad5', per_trade_cap: 25 }, 'per_trade_cap'],
    ['a negative cap', { ...ASIC, policy_id: 'bad6', period_caps: { per_day: '-5' } }, 'period_caps.per_day'],
    ['an absurd cap', { ...ASIC, policy_id: 'bad7', per_trade_cap: '99999999999999' }, 'per_trade_cap'],
    ['a rule type that is netted per partner', { ...ASIC, policy_id: 'bad8', disallowed_rules: ['revenue_share'] }, 'disallowed_rules[0]'],
    ['a policy that changes nothing', { policy_id: 'bad9', name: 'Nothing', countries: ['AU'] }, ''],
    ['an unknown field', { ...ASIC, policy_id: 'bad10', client_rebate: 'off' }, 'client_rebate'],
    ['an id with odd Unicode', { ...ASIC, policy_id: 'asic\u202e' }, 'policy_id'],
  ])('refuses %s with 422 and stores nothing', async (_, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await t.call('GET', `/api/v1/jurisdiction-policies/${encodeURIComponent(String((body as { policy_id: string }).policy_id))}`, { token: admin })).status).toBe(404);
  });

  it('answers 409 for an existing id, 404 for an unknown one, and 422 for a version without effective_from', async () => {
    expect((await post({ ...ASIC, policy_id: 'dup' })).status).toBe(201);
    expect((await post({ ...ASIC, policy_id: 'dup' })).status).toBe(409);
    expect((await t.call('PUT', '/api/v1/jurisdiction-policies/nope', { token: admin, body: { ...ASIC, policy_id: 'nope', effective_from: '2026-01-01' } })).status).toBe(404);
    expect((await t.call('PUT', '/api/v1/jurisdiction-policies/dup', { token: admin, body: { ...ASIC, policy_id: 'dup' } })).status).toBe(422);
    expect((await t.call('PUT', '/api/v1/jurisdiction-policies/dup', { token: admin, body: { ...ASIC, policy_id: 'other', effective_from: '2026-01-01' } })).status).toBe(422);
    expect((await t.call('PUT', '/api/v1/jurisdiction-policies/dup', { token: admin, body: { ...ASIC, policy_id: 'dup', effective_from: '2026-02-30' } })).status).toBe(422);
  });

  it('is for admins only: a partner\'s token is refused', async () => {
    const partner = await b.partner('IB-POLICY-ROUTES');
    const token = await t.token(['partners:read', 'partners:write'], partner);
    expect((await t.call('GET', '/api/v1/jurisdiction-policies', { token })).status).toBe(403);
    expect((await post({ ...ASIC, policy_id: 'by-partner' }, token)).status).toBe(403);
    expect((await t.call('GET', '/api/v1/jurisdiction-policies')).status).toBe(401);
  });
});

describe('simulating a policy before saving it', () => {
  it('shows what each partner would lose and the entries cut, and stores nothing', async () => {
    const ib = await b.partner('IB-SIM');
    await b.plan({ plan_id: 'sim-plan', name: 'Per lot', currency: 'USD', client_rebate: { allowed: true, per_lot: '2' }, rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '40' }] }] });
    await b.assign(ib, 'sim-plan');
    await b.customer('sim-nz', 'IB-SIM', { country_code: 'NZ' });
    await b.activity([{ customer_id: 'sim-nz', instrument: 'EURUSD', lots_traded: '1.5' }]);
    await b.run();
    const before = await b.ledger(`partner_id=${ib}`);
    const policy = { policy_id: 'nz', name: 'NZ', regulator: 'FMA', countries: ['NZ'], currency: 'USD', client_rebates: 'off', per_lot_caps: [{ symbols: ['EURUSD'], pips: '3' }] };
    const sim = await t.call('POST', '/api/v1/jurisdiction-policies/simulate', { token: admin, body: { policy, effective_from: '2026-01-01', from: '2026-03-01', to: '2026-03-31' } });
    expect(sim.status).toBe(200);
    // Paid now: 1.5 × 40 − 1.5 × 2 = 57; with the policy: 1.5 × 30 = 45 (the rebate is off, the cap takes 15).
    expect(sim.body.partners).toEqual([{ partner_id: ib, currency: 'USD', current: '57', with_policy: '45', difference: '-12' }]);
    expect(sim.body.entries.map((e: { rule: string; amount: string }) => [e.rule, e.amount]).sort()).toEqual([['client_rebate', '0'], ['jurisdiction_per_lot_cap', '-15']]);
    expect(sim.body.entries.find((e: { rule: string }) => e.rule === 'jurisdiction_per_lot_cap').note).toContain('jurisdiction policy nz v1 (FMA)');
    expect((await t.call('GET', '/api/v1/jurisdiction-policies/nz', { token: admin })).status).toBe(404);
    expect(await b.ledger(`partner_id=${ib}`)).toEqual(before);
    expect((await t.call('POST', '/api/v1/jurisdiction-policies/simulate', { token: admin, body: { policy: { ...policy, currency: 'EURO' }, effective_from: '2026-01-01', from: '2026-03-01', to: '2026-03-31' } })).status).toBe(422);
    expect((await t.call('POST', '/api/v1/jurisdiction-policies/simulate', { token: admin, body: { policy, effective_from: '2026-01-01', from: '2026-03-31', to: '2026-03-01' } })).status).toBe(422);
  });
});
