/**
 * Each fraud scheme through the API: the facts a broker sends, a scan, the case it opens (or not,
 * for the near-miss beside it), and what the case does to commissions and payouts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { partnerApi, visit } from '../../test/helpers/partners.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
let b: ReturnType<typeof brokerSteps>;
const AS_OF = '2026-11-28';

// The app reads this one from the process environment: clicks then come from X-Forwarded-For.
process.env.OPENIB_TRUST_PROXY = '1';
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0', OPENIB_RISK_DATACENTRE_CIDRS: '192.0.2.0/24,2001:db8:dc::/48' });
  token = await t.token(['admin']);
  b = brokerSteps(t, token);
  await b.plan({ plan_id: 'risk-lots', name: 'Per lot', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '10' }] }] });
});
afterAll(async () => {
  await t.stop();
  delete process.env.OPENIB_TRUST_PROXY;
});

const scan = async () => (await b.ok('POST', '/api/v1/risk/scan', { as_of: AS_OF })) as { opened: Case[]; updated: number; unchanged: number };
const casesOf = async (subjectId: string) => (await b.ok('GET', `/api/v1/risk/cases?subject_id=${encodeURIComponent(subjectId)}`)).data as Case[];
const decide = (caseId: string, decision: 'confirmed' | 'dismissed', note?: string) => t.call('POST', `/api/v1/risk/cases/${caseId}/decision`, { token, body: { decision, ...(note ? { note } : {}) } });
const earner = async (affiliate: string, extra: Record<string, unknown> = {}) => {
  const id = await b.partner(affiliate, extra);
  await b.assign(id, 'risk-lots');
  return id;
};
const customer = (id: string, affiliate: string, extra: Record<string, unknown> = {}) => b.customer(id, affiliate, { signup_date: '2026-11-02T10:00:00Z', ...extra });
const deal = (id: string, customerId: string, side: 'buy' | 'sell', lots: string, open: string, close: string) => ({ deal_id: id, customer_id: customerId, symbol: 'EURUSD', side, lots, open_time: open, close_time: close, currency: 'USD' });
const ledgerOf = (customerId: string) => b.ledger(`customer_id=${customerId}`);
const total = (entries: Record<string, any>[]) => entries.reduce((s, e) => s + Number(e.amount), 0);

interface Case {
  case_id: string;
  subject_type: string;
  subject_id: string;
  partner_id: string | null;
  status: string;
  score: number;
  signals: { signal: string; evidence: any; summary: string }[];
  excluded_deals: string[];
}

describe('hedging across accounts of one IB network', () => {
  it('opens cases for two clients of sub-IBs under one master who trade opposite, holds their pay, and the decision excludes or releases it; an unrelated client trading opposite at the same time is left alone', async () => {
    const master = await earner('HM');
    await earner('HS1', { parent_id: master });
    await earner('HS2', { parent_id: master });
    await earner('HX');
    await customer('H-A', 'HS1');
    await customer('H-B', 'HS2');
    await customer('H-C', 'HX');
    await b.ok('POST', '/api/v1/forex/deals', [
      deal('h-1', 'H-A', 'buy', '2', '2026-11-10T10:00:00Z', '2026-11-10T10:30:00Z'),
      deal('h-2', 'H-B', 'sell', '2', '2026-11-10T10:00:40Z', '2026-11-10T10:31:00Z'),
      // Unrelated client, another network: the same minute, the opposite side.
      deal('h-3', 'H-C', 'sell', '2', '2026-11-10T10:00:20Z', '2026-11-10T10:40:00Z'),
    ]);
    const result = await scan();
    const opened = result.opened.filter((c) => c.subject_id.startsWith('H-'));
    expect(opened.map((c) => c.subject_id).sort()).toEqual(['H-A', 'H-B']);
    const a = opened.find((c) => c.subject_id === 'H-A')!;
    expect(a).toMatchObject({ status: 'open', subject_type: 'customer', excluded_deals: ['h-1'] });
    expect(a.score).toBeGreaterThanOrEqual(50);
    expect(a.signals[0]).toMatchObject({ signal: 'hedging', evidence: { deals: [expect.objectContaining({ deal_id: 'h-1', matched_with: 'h-2' })], accounts: [{ customer_id: 'H-B' }] } });
    expect(await casesOf('H-C')).toEqual([]);

    await b.run('2026-11-01', '2026-11-30');
    const heldA = await ledgerOf('H-A');
    expect(heldA.length).toBeGreaterThan(0);
    for (const e of heldA) expect(e).toMatchObject({ status: 'pending', hold_reason: 'risk_review' });
    expect((await ledgerOf('H-C')).every((e) => e.status === 'approved' && e.hold_reason === null)).toBe(true);

    // A second scan finds the same evidence: nothing new.
    const again = await scan();
    expect(again.opened.filter((c) => c.subject_id.startsWith('H-'))).toEqual([]);

    expect((await decide(a.case_id, 'confirmed', 'Same household, mirrored trades.')).status).toBe(200);
    const caseB = opened.find((c) => c.subject_id === 'H-B')!;
    expect((await decide(caseB.case_id, 'dismissed')).status).toBe(200);
    expect((await decide(caseB.case_id, 'confirmed')).status).toBe(409);
    await b.run('2026-11-01', '2026-11-30');
    // Confirmed: the hedged lots earn nothing, through a reversal of what was held.
    expect(total(await ledgerOf('H-A'))).toBe(0);
    expect((await ledgerOf('H-A')).some((e) => e.kind === 'reversal')).toBe(true);
    // Dismissed: the held pay is released unchanged.
    const b2 = await ledgerOf('H-B');
    expect(total(b2)).toBeGreaterThan(0);
    for (const e of b2) expect(e.status).toBe('approved');

    const events = (await b.ok('GET', '/api/v1/events?type=risk.case_closed&limit=100')).data as { data: any }[];
    expect(events.map((e) => e.data.case_id)).toEqual(expect.arrayContaining([a.case_id, caseB.case_id]));
    const audit = (await b.ok('GET', `/api/v1/audit-log?subject_type=risk_case&subject_id=${a.case_id}`)).data as { action: string }[];
    expect(audit.map((e) => e.action)).toContain('risk_case.confirm');
  });

  it('flags one customer hedging on two of its own accounts', async () => {
    await earner('HSELF');
    await customer('HS-A', 'HSELF');
    await b.ok('POST', '/api/v1/forex/deals', [
      deal('hs-1', 'HS-A', 'buy', '1.5', '2026-11-12T08:00:00Z', '2026-11-12T09:00:00Z'),
      deal('hs-2', 'HS-A', 'sell', '1.5', '2026-11-12T08:00:05Z', '2026-11-12T09:00:10Z'),
    ]);
    const opened = (await scan()).opened.filter((c) => c.subject_id === 'HS-A');
    expect(opened).toHaveLength(1);
    expect(opened[0].signals[0].summary).toMatch(/on its own account/);
  });
});

describe('short-trade volume farming', () => {
  it('flags a client whose lots are nearly all in deals held seconds, not one who holds for minutes', async () => {
    await earner('SHT');
    await customer('S-F', 'SHT');
    await customer('S-N', 'SHT');
    const deals = [];
    for (let i = 0; i < 12; i++) {
      const open = new Date(Date.UTC(2026, 10, 14, 9, i * 5)).toISOString();
      deals.push({ ...deal(`sf-${i}`, 'S-F', 'buy', '0.5', open, new Date(Date.parse(open) + 20_000).toISOString()), symbol: 'GBPUSD' });
      deals.push({ ...deal(`sn-${i}`, 'S-N', 'buy', '0.5', open, new Date(Date.parse(open) + 600_000).toISOString()), symbol: 'GBPUSD' });
    }
    await b.ok('POST', '/api/v1/forex/deals', deals);
    await scan();
    const [farmed] = await casesOf('S-F');
    expect(farmed).toMatchObject({ status: 'open', signals: [expect.objectContaining({ signal: 'short_trades' })] });
    expect(farmed.excluded_deals).toHaveLength(12);
    expect(await casesOf('S-N')).toEqual([]);
  });
});

describe('linked accounts', () => {
  it('links two clients with the same device and payment instrument; two colleagues behind one office NAT with nothing else in common are not linked', async () => {
    await earner('LNK');
    await customer('L-1', 'LNK', { device_id: 'dev-123', payment_fingerprint: 'card-fp-9', signup_ip: '198.51.100.7' });
    await customer('L-2', 'LNK', { device_id: 'dev-123', payment_fingerprint: 'card-fp-9', signup_ip: '203.0.113.80', signup_date: '2026-11-05T10:00:00Z' });
    await customer('N-1', 'LNK', { signup_ip: '198.18.7.10', device_id: 'dev-a', email: 'ann@example.com' });
    await customer('N-2', 'LNK', { signup_ip: '198.18.7.11', device_id: 'dev-b', email: 'bob@example.com' });
    await scan();
    const [linked] = await casesOf('L-1');
    expect(linked.signals[0]).toMatchObject({ signal: 'linked_accounts', evidence: { accounts: [{ customer_id: 'L-2', shared: ['device', 'payment'] }] } });
    expect(JSON.stringify(linked)).not.toMatch(/dev-123|card-fp-9|198\.51/);
    expect(await casesOf('L-2')).toHaveLength(1);
    expect(await casesOf('N-1')).toEqual([]);
    expect(await casesOf('N-2')).toEqual([]);
    // The identifiers never come back from the API.
    const stored = (await b.ok('GET', '/api/v1/forex/customers?affiliate_id=LNK')).data;
    expect(stored.length).toBe(4);
    expect(JSON.stringify(stored)).not.toMatch(/dev-123|card-fp-9/);
  });

  it('refuses a sign-up address that is not an IP address, and changes nothing', async () => {
    const res = await t.call('POST', '/api/v1/forex/customers', { token, body: [{ customer_id: 'BAD-IP', signup_date: '2026-11-02T10:00:00Z', affiliate_id: '', signup_ip: '300.1.2.3' }] });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toMatch(/signup_ip/);
  });
});

describe('CPA abuse', () => {
  it('flags a first deposit withdrawn within hours without trading, not one withdrawn weeks later', async () => {
    await earner('CPA');
    await customer('C-RUN', 'CPA');
    await customer('C-OK', 'CPA');
    await b.transactions([
      { transaction_id: 'c-run-d', customer_id: 'C-RUN', transaction_type: 'deposit', amount: '250', transaction_date: '2026-11-03T10:00:00Z' },
      { transaction_id: 'c-run-w', customer_id: 'C-RUN', transaction_type: 'withdrawal', amount: '240', transaction_date: '2026-11-03T14:00:00Z' },
      { transaction_id: 'c-ok-d', customer_id: 'C-OK', transaction_type: 'deposit', amount: '250', transaction_date: '2026-11-03T10:00:00Z' },
      { transaction_id: 'c-ok-w', customer_id: 'C-OK', transaction_type: 'withdrawal', amount: '240', transaction_date: '2026-11-25T10:00:00Z' },
    ]);
    await scan();
    const [run] = await casesOf('C-RUN');
    expect(run.signals[0]).toMatchObject({ signal: 'cpa_deposit_run', evidence: { figures: { first_deposit: '250', withdrawn: '240' } } });
    expect(await casesOf('C-OK')).toEqual([]);
  });

  it('flags a burst of sign-ups from one network, not two from one office', async () => {
    await earner('BUR');
    for (let i = 0; i < 5; i++) await customer(`B-${i}`, 'BUR', { signup_ip: `100.64.9.${10 + i}`, signup_date: `2026-11-06T10:0${i}:00Z` });
    await scan();
    const cases = (await b.ok('GET', '/api/v1/risk/cases?partner_id=' + (await b.ok('GET', '/api/v1/partners?affiliate_id=BUR')).data[0].partner_id)).data as Case[];
    expect(cases.map((c) => c.subject_id).sort()).toEqual(['B-0', 'B-1', 'B-2', 'B-3', 'B-4']);
    expect(cases[0].signals.map((s) => s.signal).sort()).toEqual(['linked_accounts', 'signup_burst']);
  });
});

describe('fake traffic', () => {
  it('marks clicks from data-centre ranges as bots, leaves them out of the link\'s clicks and opens a case on the partner; a partner with human clicks has none', async () => {
    const botty = await earner('BOT');
    const human = await earner('HUM');
    const p = partnerApi(t, token);
    const botLink = (await p.link(botty)) as { code: string; link_id: string };
    const humanLink = (await p.link(human)) as { code: string; link_id: string };
    for (let i = 0; i < 25; i++) {
      await visit(t, botLink.code, { headers: { 'x-forwarded-for': `192.0.2.${i}`, 'user-agent': 'Mozilla/5.0' } });
      await visit(t, humanLink.code, { headers: { 'x-forwarded-for': `198.51.100.${i}`, 'user-agent': 'Mozilla/5.0' } });
    }
    await expect.poll(async () => (await b.ok('GET', `/api/v1/links/${botLink.link_id}/stats`)).bot_clicks, { timeout: 10_000 }).toBe(25);
    await expect.poll(async () => (await b.ok('GET', `/api/v1/links/${humanLink.link_id}/stats`)).clicks, { timeout: 10_000 }).toBe(25);
    expect((await b.ok('GET', `/api/v1/links/${botLink.link_id}/stats`)).clicks).toBe(0);
    const opened = (await b.ok('POST', '/api/v1/risk/scan', {})).opened as Case[];
    expect(opened.filter((c) => c.subject_type === 'partner' && c.subject_id === botty)).toHaveLength(1);
    expect(opened.filter((c) => c.subject_id === human)).toEqual([]);
  });
});

describe('payout hijacking', () => {
  it('opens a case when payout details change shortly before a run and blocks the payout until it is dismissed; details set once do not fire', async () => {
    const hijacked = await earner('PAYX');
    const steady = await earner('PAYS');
    await customer('PX-1', 'PAYX', { signup_date: '2026-01-02T10:00:00Z' });
    await customer('PS-1', 'PAYS', { signup_date: '2026-01-02T10:00:00Z' });
    await b.activity([{ customer_id: 'PX-1', instrument: 'EURUSD', lots_traded: '10', date: '2026-02-10' }, { customer_id: 'PS-1', instrument: 'EURUSD', lots_traded: '10', date: '2026-02-10' }]);
    await b.run('2026-02-01', '2026-02-28');
    const bank = (holder: string, iban: string) => ({ method: 'bank_transfer', details: { account_holder: holder, iban, swift_bic: 'WESTGB2L' } });
    await b.ok('PUT', `/api/v1/partners/${hijacked}/payout-details`, bank('IB Ltd', 'GB82 WEST 1234 5698 7654 32'));
    await b.ok('PUT', `/api/v1/partners/${hijacked}/payout-details`, bank('Someone Else', 'GB33 BUKB 2020 1555 5555 55'));
    await b.ok('PUT', `/api/v1/partners/${steady}/payout-details`, bank('Steady Ltd', 'GB82 WEST 1234 5698 7654 32'));
    const opened = (await b.ok('POST', '/api/v1/risk/scan', {})).opened as Case[];
    const hijack = opened.find((c) => c.subject_id === hijacked)!;
    expect(hijack.signals[0].signal).toBe('payout_details_change');
    expect(opened.filter((c) => c.subject_id === steady)).toEqual([]);

    await b.ok('POST', '/api/v1/periods/2026-02/close');
    const run = await b.ok('POST', '/api/v1/payout-runs', { period: '2026-02', as_of: '2030-01-01' });
    const statementOf = (r: any, id: string) => r.statements.find((s: any) => s.partner_id === id);
    expect(statementOf(run, hijacked)).toMatchObject({ status: 'carried', amount_payable: '0.00', carried_forward: '100.00', carry_reason: expect.stringMatching(new RegExp(`risk case #${hijack.case_id} open`)) });
    expect(statementOf(run, steady)).toMatchObject({ status: 'draft', amount_payable: '100.00' });

    expect((await decide(hijack.case_id, 'dismissed', 'Called the IB: new bank account confirmed.')).status).toBe(200);
    const next = await b.ok('POST', '/api/v1/payout-runs', { period: '2026-02', as_of: '2030-01-01' });
    expect(statementOf(next, hijacked)).toMatchObject({ status: 'draft', amount_payable: '100.00' });
  });
});

describe('payouts while a client is under review', () => {
  it("holds back an upline's pay from the client under an open case, pays the rest, and pays it once the case is dismissed", async () => {
    await b.plan({
      plan_id: 'risk-override', name: 'Per lot with override', currency: 'USD',
      rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '10' }] }],
      hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '2' }] },
    });
    const master = await b.partner('UPM');
    const sub = await b.partner('UPS', { parent_id: master });
    await b.assign(master, 'risk-override');
    await b.assign(sub, 'risk-override');
    await customer('UP-1', 'UPS', { signup_date: '2026-01-02T10:00:00Z' });
    await customer('UP-2', 'UPS', { signup_date: '2026-01-02T10:00:00Z' });
    // March pay is approved before anything is found: 10 lots each, 100 to the sub-IB and 20 to the master per client.
    await b.activity([{ customer_id: 'UP-1', instrument: 'EURUSD', lots_traded: '10', date: '2026-03-10' }, { customer_id: 'UP-2', instrument: 'EURUSD', lots_traded: '10', date: '2026-03-10' }]);
    await b.run('2026-03-01', '2026-03-31');
    // Then UP-1 farms volume with trades held seconds.
    const deals = Array.from({ length: 12 }, (_, i) => {
      const open = new Date(Date.UTC(2026, 10, 16, 9, i * 5)).toISOString();
      return { ...deal(`up-${i}`, 'UP-1', 'buy', '0.5', open, new Date(Date.parse(open) + 20_000).toISOString()), symbol: 'GBPUSD' };
    });
    await b.ok('POST', '/api/v1/forex/deals', deals);
    await scan();
    const [review] = await casesOf('UP-1');
    expect(review).toMatchObject({ status: 'open', partner_id: sub });

    await b.ok('POST', '/api/v1/periods/2026-03/close');
    const statementOf = (r: any, id: string) => r.statements.find((s: any) => s.partner_id === id);
    const run = await b.ok('POST', '/api/v1/payout-runs', { period: '2026-03', as_of: '2030-01-01' });
    expect(statementOf(run, sub)).toMatchObject({ status: 'carried', carry_reason: expect.stringMatching(new RegExp(`risk case #${review.case_id} open`)) });
    expect(statementOf(run, master)).toMatchObject({ status: 'draft', amount_payable: '20.00' }); // UP-2's override only
    const held = (await b.ledger(`partner_id=${master}&customer_id=UP-1`)).filter((e: any) => e.kind === 'override');
    expect(held.map((e: any) => [e.amount, e.status])).toEqual([['20', 'approved']]);

    expect((await decide(review.case_id, 'dismissed', 'Scalping is allowed on this account type.')).status).toBe(200);
    const next = await b.ok('POST', '/api/v1/payout-runs', { period: '2026-03', as_of: '2030-01-01' });
    expect(statementOf(next, master)).toMatchObject({ status: 'draft', amount_payable: '20.00' });
  });
});

describe('rules and simulation', () => {
  it('versions a programme\'s rules, refuses bad ones with 422, and simulates what they would have opened and held', async () => {
    const bad = await t.call('POST', '/api/v1/risk/rules', { token, body: { programme: '*', definition: { hedging: { window_seconds: -1 } } } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].field).toMatch(/hedging/);
    const unknown = await t.call('POST', '/api/v1/risk/rules', { token, body: { programme: 'no-such-plan', definition: {} } });
    expect(unknown.status).toBe(422);

    const sim = await b.ok('POST', '/api/v1/risk/simulate', { programme: '*', as_of: AS_OF, definition: { short_trades: { enabled: false } } });
    expect(sim.cases.some((c: any) => c.subject_id === 'H-A')).toBe(true);
    expect(sim.cases.some((c: any) => c.subject_id === 'S-F')).toBe(false);
    expect(sim.held.length).toBeGreaterThan(0);

    const v1 = await b.ok('POST', '/api/v1/risk/rules', { programme: 'risk-lots', definition: { hedging: { window_seconds: 30 } } });
    const v2 = await b.ok('POST', '/api/v1/risk/rules', { programme: 'risk-lots', definition: { hedging: { window_seconds: 60 } } });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    const rules = await b.ok('GET', '/api/v1/risk/rules?programme=risk-lots');
    expect(rules.data.find((r: any) => r.programme === 'risk-lots')).toMatchObject({ version: 2, definition: { hedging: { window_seconds: 60, min_share: 0.3 } } });
    expect(rules.history.map((r: any) => r.version)).toEqual([2, 1]);
  });

  it('keeps risk cases from partner-bound clients', async () => {
    const partnerId = (await b.ok('GET', '/api/v1/partners?affiliate_id=HS1')).data[0].partner_id;
    const partnerToken = await t.token(['partners:read', 'reports:read'], partnerId);
    expect((await t.call('GET', '/api/v1/risk/cases', { token: partnerToken })).status).toBe(403);
  });
});
