import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { payoutSteps } from '../payouts/test-support.ts';
import { verifyPartner, W8BEN } from './test-support.ts';

let t: TestServer;
let p: ReturnType<typeof payoutSteps>;
let admin: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token(['admin']);
  p = payoutSteps(t, admin);
});
afterAll(() => t.stop());

describe('payout gates', () => {
  it('a run holds the statements of partners missing verification, current terms or a tax form, and the next run pays them once complete', async () => {
    const programme = await t.call('PUT', '/api/v1/compliance/programmes/eu-ib', { token: admin, body: { name: 'EU IBs', require_verification: true, require_terms: true, require_tax_form: true } });
    expect(programme.status).toBe(200);
    expect((await t.call('POST', '/api/v1/compliance/terms', { token: admin, body: { programme_id: 'eu-ib', language: 'en', title: 'IB agreement', body: 'Version one.' } })).body.data.version).toBe(1);

    const gated = await p.earner('GATED');
    const ready = await p.earner('READY');
    const free = await p.earner('FREE');
    for (const id of [gated, ready]) expect((await t.call('PUT', `/api/v1/partners/${id}/programme`, { token: admin, body: { programme_id: 'eu-ib' } })).status).toBe(200);
    // READY completes everything; GATED nothing; FREE stays in the default programme, which gates nothing.
    await verifyPartner(t, admin, ready);
    const readyToken = await t.token(['partners:read', 'partners:write'], ready);
    expect((await t.call('POST', `/api/v1/partners/${ready}/terms/accept`, { token: readyToken, body: { version: 1 } })).status).toBe(200);
    expect((await t.call('POST', `/api/v1/partners/${ready}/tax-form`, { token: readyToken, body: W8BEN })).status).toBe(201);

    for (const a of ['GATED', 'READY', 'FREE']) await p.lots(a, '8', '2026-03-10');
    await p.run();
    await p.close('2026-03');
    const march = await p.payoutRun('2026-03');
    expect(p.statementOf(march, ready)).toMatchObject({ status: 'draft', amount_payable: '80.00', compliance_hold: null, terms_version: 1 });
    expect(p.statementOf(march, free)).toMatchObject({ status: 'draft', amount_payable: '80.00', compliance_hold: null, terms_version: null });
    const held = p.statementOf(march, gated) as any;
    expect(held).toMatchObject({ status: 'carried', amount_payable: '0.00', carried_forward: '80.00' });
    expect(held.compliance_hold).toBe(
      'held for compliance: verification is not started, not approved; partner terms version 1 not accepted; no tax form (W-9, W-8BEN or W-8BEN-E) on file. Released on the next payout run once complete.',
    );
    expect(held.carry_reason).toBe(held.compliance_hold);

    // The portal shows the partner what holds its payouts.
    const gatedToken = await t.token(['partners:read', 'partners:write'], gated);
    const overview = (await t.call('GET', `/api/v1/partners/${gated}/compliance`, { token: gatedToken })).body.data;
    expect(overview).toMatchObject({ programme_id: 'eu-ib', verification: 'not_started', terms_needs_acceptance: true, tax_form: null, gates: { held: true, missing: ['verification', 'terms', 'tax_form'] } });
    const ownStatement = await t.call('GET', `/api/v1/statements/${held.statement_id}`, { token: await t.token(['payouts:read'], gated) });
    expect(ownStatement.body.compliance_hold ?? ownStatement.body.data?.compliance_hold).toMatch(/held for compliance/);

    // GATED completes; a new terms version meanwhile holds READY until it accepts it.
    await verifyPartner(t, admin, gated);
    expect((await t.call('POST', `/api/v1/partners/${gated}/terms/accept`, { token: gatedToken, body: { version: 1 } })).status).toBe(200);
    expect((await t.call('POST', `/api/v1/partners/${gated}/tax-form`, { token: gatedToken, body: W8BEN })).status).toBe(201);
    expect((await t.call('GET', `/api/v1/partners/${gated}/compliance`, { token: gatedToken })).body.data.gates).toEqual({ held: false, reason: null, missing: [] });
    expect((await t.call('POST', '/api/v1/compliance/terms', { token: admin, body: { programme_id: 'eu-ib', language: 'en', title: 'IB agreement', body: 'Version two.' } })).body.data.version).toBe(2);

    for (const a of ['GATED', 'READY']) await p.lots(a, '2', '2026-04-03');
    await p.run();
    await p.close('2026-04');
    const april = await p.payoutRun('2026-04');
    expect(p.statementOf(april, gated)).toMatchObject({ status: 'carried', compliance_hold: expect.stringMatching(/^held for compliance: partner terms version 2 not accepted\./) });
    expect(p.statementOf(april, ready)).toMatchObject({ status: 'carried', compliance_hold: expect.stringMatching(/terms version 2/) });
    for (const [id, token] of [[gated, gatedToken], [ready, readyToken]]) expect((await t.call('POST', `/api/v1/partners/${id}/terms/accept`, { token, body: { version: 2 } })).status).toBe(200);

    await p.close('2026-05');
    const may = await p.payoutRun('2026-05');
    // Released by the next run: March's held 80 and April's 20 for GATED, April's 20 for READY.
    expect(p.statementOf(may, gated)).toMatchObject({ status: 'draft', opening_balance: '100.00', amount_payable: '100.00', compliance_hold: null, terms_version: 2 });
    expect(p.statementOf(may, ready)).toMatchObject({ status: 'draft', amount_payable: '20.00', terms_version: 2 });
    const audit = await t.server.ctx.db.query<{ after: any }>(`SELECT after FROM audit_log WHERE action = 'payout_run.create' ORDER BY id`);
    expect(audit.map((a) => a.after.held_for_compliance)).toEqual([1, 2, 0]);
  });
});
