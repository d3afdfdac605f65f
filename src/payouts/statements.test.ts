import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { Dec } from '../shared/decimal.ts';
import { payoutSteps, pdfText } from './test-support.ts';

let t: TestServer;
let p: ReturnType<typeof payoutSteps>;
let admin: string;
let ib: string;
let other: string;
let statement: any;
let otherStatement: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token(['admin']);
  p = payoutSteps(t, admin);
  ib = await p.earner('DOC', '6.125');
  other = await p.earner('DOC2');
  await p.customer('DOC-c2', 'DOC');
  // Amounts with more decimals than cents: 0.33 × 6.125 = 2.02125, 0.01 × 6.125 = 0.06125, …
  await p.activity([
    { customer_id: 'DOC-c1', instrument: 'EURUSD', lots_traded: '0.33', date: '2026-03-02' },
    { customer_id: 'DOC-c1', instrument: 'EURUSD', lots_traded: '0.77', date: '2026-03-03' },
    { customer_id: 'DOC-c2', instrument: 'EURUSD', lots_traded: '1.11', date: '2026-03-04' },
    { customer_id: 'DOC-c2', instrument: 'EURUSD', lots_traded: '0.01', date: '2026-03-05' },
    { customer_id: 'DOC2-c1', instrument: 'EURUSD', lots_traded: '1', date: '2026-03-05' },
  ]);
  await p.run();
  await p.close('2026-03');
  const run = await p.payoutRun('2026-03');
  statement = await p.ok('GET', `/api/v1/statements/${p.statementOf(run, ib)!.statement_id}`);
  otherStatement = p.statementOf(run, other)!.statement_id;
});
afterAll(() => t.stop());

describe('statements', () => {
  it('agree with the ledger to the cent, with each line rounded once and the difference shown', async () => {
    const ledger = await p.ledger(`partner_id=${ib}`);
    const ledgerSum = ledger.reduce((s, e) => s.plus(e.amount), new Dec(0));
    expect(statement.ledger_total).toBe(ledgerSum.toFixed());
    const lineSum = statement.lines.reduce((s: Dec, l: any) => s.plus(l.ledger_amount), new Dec(0));
    expect(lineSum.toFixed()).toBe(ledgerSum.toFixed());
    for (const l of statement.lines) {
      expect(l.amount).toBe(new Dec(l.ledger_amount).toDecimalPlaces(2, Dec.ROUND_HALF_EVEN).toFixed(2));
      expect(new Dec(l.amount).minus(l.ledger_amount).toFixed()).toBe(new Dec(l.rounding).toFixed());
    }
    const rounded = statement.lines.reduce((s: Dec, l: any) => s.plus(l.amount), new Dec(0));
    expect(statement.rounded_total).toBe(rounded.toFixed(2));
    expect(new Dec(statement.rounded_total).minus(statement.ledger_total).toFixed()).toBe(new Dec(statement.rounding_difference).toFixed());
    expect(statement.amount_payable).toBe(statement.rounded_total);
    expect(statement.lines.map((l: any) => l.customer_id)).toEqual(['DOC-c1', 'DOC-c2']);
  });

  it('downloads as CSV with the same numbers', async () => {
    const res = await t.call('GET', `/api/v1/statements/${statement.statement_id}/csv`, { token: admin });
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    const lines = rows.filter((r) => r.record === 'line');
    expect(lines.map((r) => [r.customer_id, r.ledger_amount, r.amount])).toEqual(statement.lines.map((l: any) => [l.customer_id, l.ledger_amount, l.amount]));
    const totals = Object.fromEntries(rows.filter((r) => r.record === 'total').map((r) => [r.section, r.amount]));
    expect(totals).toMatchObject({ amount_payable: statement.amount_payable, ledger_total: statement.ledger_total, rounding_difference: statement.rounding_difference, partner_id: ib });
    expect(lines.reduce((s, r) => s.plus(r.amount), new Dec(0)).toFixed(2)).toBe(totals.rounded_total);
  });

  it('names where the money goes on the CSV and PDF, masked, never the full account number', async () => {
    const iban = 'GB82WEST12345698765432';
    const put = await t.call('PUT', `/api/v1/partners/${ib}/payout-details`, { token: admin, body: { method: 'bank_transfer', details: { account_holder: 'Doc IB Ltd', iban, swift_bic: 'WESTGB2L' } } });
    expect(put.status, put.text).toBe(200);
    const json = await p.ok('GET', `/api/v1/statements/${statement.statement_id}`);
    const csv = (await t.call('GET', `/api/v1/statements/${statement.statement_id}/csv`, { token: admin })).text;
    const payoutTo = (parse(csv, { columns: true }) as Record<string, string>[]).find((r) => r.record === 'total' && r.section === 'payout_to')?.amount;
    expect(payoutTo).toBe(`bank_transfer: ${Object.entries(json.payout_to.details).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    expect(payoutTo).toContain('5432');
    const pdf = pdfText(Buffer.from(await (await fetch(`${t.url}/api/v1/statements/${statement.statement_id}/pdf`, { headers: { authorization: `Bearer ${admin}` } })).arrayBuffer()));
    expect(pdf).toContain('Paid to: bank_transfer');
    for (const text of [csv, pdf]) expect(text).not.toContain(iban);
    const unset = (await t.call('GET', `/api/v1/statements/${otherStatement}/csv`, { token: admin })).text;
    expect(unset).toMatch(/total,payout_to,(,)+not set/);
  });

  it('downloads as a PDF whose text carries the same numbers', async () => {
    const res = await fetch(`${t.url}/api/v1/statements/${statement.statement_id}/pdf`, { headers: { authorization: `Bearer ${admin}` } });
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('Commission statement 2026-03');
    expect(text).toContain(ib);
    for (const l of statement.lines) {
      expect(text).toContain(l.amount);
      expect(text).toContain(l.ledger_amount);
    }
    expect(text).toMatch(new RegExp(`Amount payable[\\s\\S]*${statement.amount_payable.replace('.', '\\.')}`));
  });

  it('lets a partner read its own statements and nothing else', async () => {
    const own = await t.token(['payouts:read'], ib);
    expect((await t.call('GET', `/api/v1/statements/${statement.statement_id}`, { token: own })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/statements/${statement.statement_id}/pdf`, { token: own })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/statements/${otherStatement}`, { token: own })).status).toBe(404);
    expect((await t.call('GET', `/api/v1/statements/${otherStatement}/csv`, { token: own })).status).toBe(404);
    const list = await t.call('GET', '/api/v1/statements', { token: own });
    expect(list.body.data.map((s: any) => s.partner_id)).toEqual([ib]);
    expect((await t.call('GET', `/api/v1/statements?partner_id=${other}`, { token: own })).body.data).toEqual([]);
    expect((await t.call('POST', `/api/v1/statements/${statement.statement_id}/approve`, { token: own, body: {} })).status).toBe(403);
    expect((await t.call('GET', `/api/v1/payout-runs/${statement.run_id}`, { token: own })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/reconciliation?from=2026-03-01&to=2026-03-31', { token: own })).status).toBe(403);
  });
});
