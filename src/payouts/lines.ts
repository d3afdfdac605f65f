import { roundMoney } from '../commissions/maths/money.ts';
import { Dec } from '../shared/decimal.ts';

export interface PayableEntry {
  id: number;
  partner_id: string;
  currency: string;
  amount: string;
  kind: string;
  level: number;
  customer_id: string | null;
  instrument: string | null;
  fact_date: string;
}

export interface StatementLine {
  /** carried: entries dated before the period (earlier balances brought forward); period: the period's own. */
  section: 'carried' | 'period';
  customer_id: string | null;
  instrument: string | null;
  kind: string;
  level: number;
  entries: number;
  /** Full-precision sum of the line's ledger entries. */
  ledger_amount: string;
  /** ledger_amount rounded once, half to even, to the currency's minor unit. */
  amount: string;
  /** amount − ledger_amount. */
  rounding: string;
}

export interface StatementFigures {
  lines: StatementLine[];
  opening_balance: string;
  period_amount: string;
  ledger_total: string;
  rounded_total: string;
  rounding_difference: string;
}

/**
 * Groups a statement's entries into lines by customer, instrument (or kind) and level, and rounds
 * each line once. The rounded totals are sums of rounded lines; the difference to the exact ledger
 * sum is reported, so every figure can be traced to the cent.
 */
export function statementFigures(entries: PayableEntry[], currency: string, periodStart: string): StatementFigures {
  const groups = new Map<string, { line: Omit<StatementLine, 'amount' | 'rounding' | 'ledger_amount'>; sum: Dec }>();
  for (const e of entries) {
    const section = e.fact_date < periodStart ? 'carried' : 'period';
    const key = [section, e.customer_id ?? '', e.instrument ?? '', e.kind, e.level].join('\u0001');
    const g = groups.get(key) ?? { line: { section, customer_id: e.customer_id, instrument: e.instrument, kind: e.kind, level: e.level, entries: 0 }, sum: new Dec(0) };
    g.line.entries += 1;
    g.sum = g.sum.plus(e.amount);
    groups.set(key, g);
  }
  const lines: StatementLine[] = [...groups.values()]
    .map(({ line, sum }) => {
      const amount = roundMoney(sum.toFixed(), currency);
      return { ...line, ledger_amount: sum.toFixed(), amount, rounding: new Dec(amount).minus(sum).toFixed() };
    })
    .sort((a, b) =>
      a.section.localeCompare(b.section) || (a.customer_id ?? '').localeCompare(b.customer_id ?? '') || (a.instrument ?? '').localeCompare(b.instrument ?? '') || a.kind.localeCompare(b.kind) || a.level - b.level,
    );
  const sum = (ls: StatementLine[], f: (l: StatementLine) => string) => ls.reduce((s, l) => s.plus(f(l)), new Dec(0));
  const places = roundMoney('0', currency).split('.')[1]?.length ?? 0;
  const opening = sum(lines.filter((l) => l.section === 'carried'), (l) => l.amount);
  const period = sum(lines.filter((l) => l.section === 'period'), (l) => l.amount);
  const ledger = sum(lines, (l) => l.ledger_amount);
  const rounded = opening.plus(period);
  return {
    lines,
    opening_balance: opening.toFixed(places),
    period_amount: period.toFixed(places),
    ledger_total: ledger.toFixed(),
    rounded_total: rounded.toFixed(places),
    rounding_difference: rounded.minus(ledger).toFixed(),
  };
}

export interface Payability {
  status: 'draft' | 'carried';
  amount_payable: string;
  carried_forward: string;
  carry_reason: string | null;
}

/** Whether a statement's balance is paid now or carried: a negative balance blocks payout, an amount below the minimum waits. */
export function payability(roundedTotal: string, currency: string, minimum: string | undefined): Payability {
  const total = new Dec(roundedTotal);
  const zero = roundMoney('0', currency);
  if (total.isNegative() && !total.isZero())
    return { status: 'carried', amount_payable: zero, carried_forward: roundedTotal, carry_reason: `negative balance of ${roundedTotal} ${currency} after clawbacks carries forward and blocks payout until it is earned back` };
  if (total.isZero()) return { status: 'carried', amount_payable: zero, carried_forward: zero, carry_reason: 'nothing to pay' };
  if (minimum && total.lessThan(minimum))
    return { status: 'carried', amount_payable: zero, carried_forward: roundedTotal, carry_reason: `below the minimum payout of ${roundMoney(minimum, currency)} ${currency}: carried to the next run` };
  return { status: 'draft', amount_payable: roundedTotal, carried_forward: zero, carry_reason: null };
}
