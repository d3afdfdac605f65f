import { Type } from 'typebox';

const Money = (description: string, example = '125.40') => Type.String({ description, examples: [example] });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const StatementStatus = Type.Union(
  [Type.Literal('draft'), Type.Literal('reviewed'), Type.Literal('approved'), Type.Literal('paid'), Type.Literal('held'), Type.Literal('rejected'), Type.Literal('carried'), Type.Literal('failed')],
  { description: 'draft → reviewed → approved → paid; held (with a reason) or rejected; carried: below the minimum or negative, carried to the next run.' },
);

export const StatementLineView = Type.Object({
  section: Type.Union([Type.Literal('carried'), Type.Literal('period')], { description: 'carried: entries dated before the period, brought forward; period: the period\'s own.' }),
  customer_id: Type.Union([Type.String(), Type.Null()], { examples: ['C-2001'] }),
  instrument: Type.Union([Type.String(), Type.Null()], { examples: ['EURUSD'] }),
  kind: Type.String({ examples: ['per_lot'] }),
  level: Type.Integer({ description: '0: the customer\'s own partner; 1: its parent; …' }),
  entries: Type.Integer({ description: 'Ledger entries summed into the line.' }),
  ledger_amount: Money('Exact sum of the line\'s ledger entries.', '12.345'),
  amount: Money('ledger_amount rounded once, half to even, to the currency\'s minor unit.', '12.34'),
  rounding: Money('amount − ledger_amount.', '-0.005'),
});

export const StatementView = Type.Object({
  statement_id: Type.String({ format: 'uuid' }),
  run_id: Type.String({ format: 'uuid' }),
  period: Type.String({ examples: ['2026-03'] }),
  period_start: Type.String({ format: 'date' }),
  period_end: Type.String({ format: 'date' }),
  partner_id: Type.String(),
  partner_name: Type.String(),
  currency: Type.String({ examples: ['USD'] }),
  status: StatementStatus,
  opening_balance: Money('Rounded sum of the carried lines (amounts brought forward from earlier periods).', '-20.00'),
  period_amount: Money('Rounded sum of the period\'s lines.'),
  ledger_total: Money('Exact sum of every ledger entry on the statement.', '105.395'),
  rounded_total: Money('opening_balance + period_amount.', '105.40'),
  rounding_difference: Money('rounded_total − ledger_total.', '0.005'),
  amount_payable: Money('What is paid: rounded_total, or 0 when carried.'),
  carried_forward: Money('What carries to the next run instead of being paid.', '0.00'),
  carry_reason: Nullable(Type.String({ description: 'Why the balance carries: below the minimum, negative balance.' })),
  compliance_hold: Nullable(Type.String({ description: 'Why a payout gate of the partner\'s programme carried the statement (verification, current terms or tax form missing); released on the next run once complete.', examples: ['held for compliance: no tax form (W-9, W-8BEN or W-8BEN-E) on file. Released on the next payout run once complete.'] })),
  terms_version: Type.Union([Type.Integer(), Type.Null()], { description: 'The partner terms version in force (accepted by the partner) when the statement was drafted.', examples: [2] }),
  status_reason: Nullable(Type.String({ description: 'The reason given for a hold or rejection.' })),
  paid_reference: Nullable(Type.String({ description: 'External payment reference recorded when paid.' })),
  paid_on: Nullable(Type.String({ format: 'date' })),
  entries: Type.Integer({ description: 'Ledger entries the statement covers.' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

/** A signed checkpoint of a partner's ledger chain (docs/verification.md). */
export const CheckpointView = Type.Object(
  {
    checkpoint_id: Type.Integer(),
    partner_id: Type.String(),
    seq: Type.Integer({ description: 'How many records the partner\'s chain held when it was signed.' }),
    head: Type.String({ description: 'SHA-256 (hex) of the chain\'s last record.', examples: ['9f2c…'] }),
    reason: Type.String({ description: 'statement, payout, daily or manual.' }),
    statement_id: Nullable(Type.String()),
    issued_at: Type.String({ format: 'date-time' }),
    key_id: Type.String({ description: 'The signing key, published at /.well-known/openib-ledger-keys.json.' }),
    payload: Type.String({ description: 'The signed document (RFC 8785 canonical JSON), signed byte for byte.' }),
    signature: Type.String({ description: 'Ed25519 signature of payload, base64url.' }),
  },
  { description: 'The broker\'s signature over the head of the partner\'s ledger chain. Keep it: a later export must extend it.' },
);

export const StatementDetail = Type.Intersect([
  StatementView,
  Type.Object({
    lines: Type.Array(StatementLineView),
    payout_to: Type.Union([
      Type.Object(
        { method: Type.String(), details: Type.Record(Type.String(), Type.String()) },
        { description: 'The partner\'s payout details, account numbers and addresses masked to their last four characters.' },
      ),
      Type.Null(),
    ]),
    checkpoint: Type.Union([CheckpointView, Type.Null()], { description: 'The latest signed checkpoint naming this statement: its entries and total, and the chain head they belong to.' }),
  }),
]);

export const RunView = Type.Object({
  run_id: Type.String({ format: 'uuid' }),
  period: Type.String({ examples: ['2026-03'] }),
  period_start: Type.String({ format: 'date' }),
  period_end: Type.String({ format: 'date' }),
  as_of: Type.String({ format: 'date', description: 'Business date the hold period was measured from.' }),
  created_by: Type.String({ description: 'API client that created the run.' }),
  created_at: Type.String({ format: 'date-time' }),
  by_status: Type.Record(Type.String(), Type.Integer(), { description: 'Statements per status.' }),
});

export const ExportRow = Type.Object({
  statement_id: Type.String(),
  partner_id: Type.String(),
  partner_name: Type.String(),
  currency: Type.String(),
  amount: Money('Amount to pay, rounded to the minor unit.'),
  period: Type.String(),
  payout_reference: Type.String({ description: 'Reference to quote with the payment: OPENIB-<period>-<partner_id>-<currency>.', examples: ['OPENIB-2026-03-IB-1000-USD'] }),
});
