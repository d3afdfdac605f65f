import { Type } from 'typebox';
import { Dec } from '../../shared/decimal.ts';

/**
 * How one amount was derived, kept with the ledger entry so `GET /ledger/{id}/explain` can show it
 * to a partner or to finance without re-running anything. Every number is a decimal string exactly
 * as used in the arithmetic; nothing here is rounded.
 */
export const ExplanationSchema = Type.Object(
  {
    rule: Type.String({ description: 'The rule or step that produced the amount, e.g. per_lot, tiered_per_lot, override.' }),
    inputs: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]), {
      description: 'Every input the arithmetic used; amounts, rates and lots as decimal strings.',
    }),
    formula: Type.String({ description: 'The formula in words.', examples: ['lots × rate'] }),
    arithmetic: Type.String({ description: 'The formula with the numbers filled in.', examples: ['2.5 × 6 = 15'] }),
    result: Type.String({ description: 'The amount, full precision, as a decimal string.', examples: ['15'] }),
    notes: Type.Optional(Type.Array(Type.String(), { description: 'Why a rule did or did not apply.' })),
    steps: Type.Optional(Type.Array(Type.Unknown(), { description: 'Explanations of the amounts this one was built from.' })),
  },
  { $id: 'CommissionExplanation', examples: [{ rule: 'per_lot', inputs: { lots: '2.5', rate: '6', rate_source: 'symbol EURUSD' }, formula: 'lots × rate', arithmetic: '2.5 × 6 = 15', result: '15' }] },
);

export type ExplanationInput = string | number | boolean | null;

export interface Explanation {
  rule: string;
  inputs: Record<string, ExplanationInput>;
  formula: string;
  arithmetic: string;
  result: string;
  notes?: string[];
  steps?: Explanation[];
}

/** What every commission function returns: an exact amount and how it came about. */
export interface Earning {
  amount: string;
  explanation: Explanation;
}

export function explain(e: Explanation): Explanation {
  const out: Explanation = { rule: e.rule, inputs: e.inputs, formula: e.formula, arithmetic: e.arithmetic, result: e.result };
  if (e.notes?.length) out.notes = e.notes;
  if (e.steps?.length) out.steps = e.steps;
  return out;
}

/** An amount of zero with the reason it is zero, so "no commission" is recorded rather than silent. */
export function zeroEarning(rule: string, inputs: Record<string, ExplanationInput>, reason: string): Earning {
  return { amount: '0', explanation: explain({ rule, inputs, formula: 'nothing is paid', arithmetic: '0', result: '0', notes: [reason] }) };
}

/** What one partner in the chain earns on a fact; level 0 is the customer's owner, 1 its parent, … */
export interface LevelEarning extends Earning {
  level: number;
  partner_id: string;
}

/** Exact sum of amounts (decimal strings), e.g. for a statement total or a test of several facts. */
export function sumAmounts(amounts: readonly string[]): string {
  return amounts.reduce((sum, a) => sum.plus(a), new Dec(0)).toFixed();
}
