import { brokerSteps } from '../../test/helpers/broker.ts';
import type { TestServer } from '../../test/helpers/server.ts';

/** Broker steps plus the payout steps the payout tests share. */
export function payoutSteps(t: TestServer, token: string) {
  const b = brokerSteps(t, token);
  return {
    ...b,
    /** A partner on a per-lot plan paying `rate` per EURUSD lot, with one customer. */
    async earner(affiliate: string, rate = '10', extra: Record<string, unknown> = {}) {
      const id = await b.partner(affiliate, extra);
      await b.plan({ plan_id: `p-${affiliate}`, name: affiliate, currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate }] }] });
      await b.assign(id, `p-${affiliate}`);
      await b.customer(`${affiliate}-c1`, affiliate);
      return id;
    },
    lots: (affiliate: string, lots: string, date: string, instrument = 'EURUSD', customer = `${affiliate}-c1`) =>
      b.activity([{ customer_id: customer, instrument, lots_traded: lots, date }]),
    close: (period: string) => b.ok('POST', `/api/v1/periods/${period}/close`),
    payoutRun: (period: string, asOf = '2030-01-01') => b.ok('POST', '/api/v1/payout-runs', { period, as_of: asOf }),
    statementOf: (run: { statements: { partner_id: string; statement_id: string }[] }, partnerId: string) => run.statements.find((s) => s.partner_id === partnerId),
    act: (statementId: string, action: string, body: Record<string, unknown> = {}) => t.call('POST', `/api/v1/statements/${statementId}/${action}`, { token, body }),
  };
}

/**
 * The text drawn by an uncompressed PDF: the strings of every Tj / TJ operator, one line per
 * operator. Enough for the standard fonts pdfkit writes with WinAnsi hex strings.
 */
export function pdfText(pdf: Buffer): string {
  const src = pdf.toString('latin1');
  const out: string[] = [];
  for (const m of src.matchAll(/\[((?:<[0-9a-fA-F]*>\s*-?[\d.]*\s*)+)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj/g)) {
    const hexes = m[1] ? [...m[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]) : [m[2]];
    out.push(hexes.map((h) => Buffer.from(h, 'hex').toString('latin1')).join(''));
  }
  return out.join('\n');
}
