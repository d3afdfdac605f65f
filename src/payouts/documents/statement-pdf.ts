import PDFDocument from 'pdfkit';
import { type PayoutDetails, payoutDetailsLine } from '../../partners/payout-details.ts';
import type { StatementLine } from '../lines.ts';
import type { Checkpoint } from '../../ledger/checkpoints.ts';
import type { StatementView } from '../read.ts';

/**
 * The statement as a PDF (pdfkit, standard Helvetica so no font files are needed). Streams are left
 * uncompressed: the files stay small and their text can be checked without a PDF renderer.
 */
export function statementPdf(s: StatementView & { lines: StatementLine[]; payout_to?: PayoutDetails | null; checkpoint?: Checkpoint | null }): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 40, compress: false, info: { Title: `Statement ${s.period} ${s.partner_id}`, Producer: 'OpenIB' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(16).text(`Commission statement ${s.period}`);
  doc.font('Helvetica').fontSize(10).moveDown(0.5);
  doc.text(`Partner: ${s.partner_name} (${s.partner_id})`);
  doc.text(`Period: ${s.period_start} to ${s.period_end}   Currency: ${s.currency}   Status: ${s.status}`);
  doc.text(`Statement: ${s.statement_id}`);
  doc.text(`Paid to: ${payoutDetailsLine(s.payout_to)}`);
  doc.moveDown();
  const cols = [40, 130, 210, 300, 340, 420, 490];
  const row = (cells: string[], bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8);
    cells.forEach((c, i) => doc.text(c, cols[i], y, { width: (cols[i + 1] ?? 560) - cols[i] - 4, lineBreak: false }));
    doc.moveDown(0.4);
    if (doc.y > 780) doc.addPage();
  };
  row(['Customer', 'Instrument', 'Kind', 'Level', 'Ledger amount', 'Amount', 'Rounding'], true);
  for (const section of ['carried', 'period'] as const) {
    const lines = s.lines.filter((l) => l.section === section);
    if (!lines.length) continue;
    doc.x = 40;
    row([section === 'carried' ? 'Brought forward from earlier periods' : 'This period'], true);
    for (const l of lines) row([l.customer_id ?? '-', l.instrument ?? l.kind, l.kind, String(l.level), l.ledger_amount, l.amount, l.rounding]);
  }
  doc.moveDown();
  const total = (label: string, value: string) => row([label, '', '', '', '', value, ''], true);
  total('Opening balance', s.opening_balance);
  total('Period amount', s.period_amount);
  total('Total', s.rounded_total);
  total('Rounding difference', s.rounding_difference);
  total('Amount payable', s.amount_payable);
  total('Carried forward', s.carried_forward);
  if (s.carry_reason) {
    doc.x = 40;
    doc.font('Helvetica').fontSize(9).text(`Carried forward: ${s.carry_reason.replace(/\.$/, '')}.`, 40, doc.y, { width: 515 });
  }
  doc.x = 40;
  doc.font('Helvetica').fontSize(9).text(s.terms_version === null ? 'Partner terms: none accepted.' : `Partner terms in force: version ${s.terms_version}.`, 40, doc.y, { width: 515 });
  if (s.checkpoint) {
    // The footer a partner keeps: with it, `openib verify` proves later exports still contain this statement's history.
    const c = s.checkpoint;
    doc.moveDown();
    doc.x = 40;
    doc.font('Helvetica-Bold').fontSize(8).text('Ledger checkpoint (verify with openib verify, docs/verification.md)', 40, doc.y, { width: 515 });
    doc.font('Courier').fontSize(6.5);
    doc.text(`checkpoint ${c.checkpoint_id}  records ${c.seq}  key ${c.key_id}  issued ${c.issued_at}`, { width: 515 });
    doc.text(`head ${c.head}`, { width: 515 });
    doc.text(`signature ${c.signature}`, { width: 515 });
    doc.text(`payload ${c.payload.length > 1500 ? `${c.payload.slice(0, 1500)}… (full payload in the JSON and CSV statement)` : c.payload}`, { width: 515 });
  }
  doc.end();
  return done;
}
