import { recordAudit } from '../audit/record.ts';
import { issueCheckpoints } from '../ledger/checkpoints.ts';
import { transition } from '../ledger/write.ts';
import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { queueEmail } from '../compliance/email/outbox.ts';
import { statementEntryIds } from './read.ts';

export const ACTIONS = ['review', 'approve', 'hold', 'reject', 'pay', 'fail'] as const;
export type StatementAction = (typeof ACTIONS)[number];

/** From which statuses each action may move a statement, and where to. */
const MOVES: Record<StatementAction, { from: string[]; to: string }> = {
  review: { from: ['draft'], to: 'reviewed' },
  approve: { from: ['draft', 'reviewed', 'held', 'failed'], to: 'approved' },
  hold: { from: ['draft', 'reviewed', 'approved'], to: 'held' },
  reject: { from: ['draft', 'reviewed', 'held', 'approved', 'failed'], to: 'rejected' },
  pay: { from: ['approved'], to: 'paid' },
  // The payment bounced or was returned: a paid statement's entries go back to approved.
  fail: { from: ['approved', 'paid'], to: 'failed' },
};

export interface ActionInput {
  action: StatementAction;
  reason?: string;
  reference?: string;
  paidOn?: string;
  actor: string;
  ip?: string;
  /** Base URL of unsubscribe links in the partner's "payout paid/failed" emails; no email without it. */
  publicUrl?: string;
}

interface Row {
  statement_id: string;
  partner_id: string;
  currency: string;
  period: string;
  status: string;
  amount_payable: string;
  status_reason: string | null;
  ledger_total: string;
}

/**
 * Moves one statement. The row is locked first, so two callers acting at once are serialised and
 * the second finds the status already moved (409) — a statement is paid at most once. Paying moves
 * exactly the statement's entries from approved to paid, or refuses if any of them changed meanwhile.
 */
export async function actOnStatement(tx: Sql, statementId: string, input: ActionInput): Promise<void> {
  const [before] = await tx.query<Row>(
    `SELECT statement_id, partner_id, currency::text AS currency, period, status, amount_payable, status_reason, ledger_total FROM payout_statements WHERE statement_id = $1 FOR UPDATE`,
    [statementId],
  );
  if (!before) throw notFound(`Statement "${statementId.slice(0, 80)}"`);
  const move = MOVES[input.action];
  if (!move.from.includes(before.status))
    throw new AppError(409, 'statement_status', `Statement is ${before.status}; "${input.action}" applies only to a ${move.from.join(' or ')} statement.`);
  const reason = input.action === 'hold' || input.action === 'reject' || input.action === 'fail' ? input.reason : input.action === 'approve' ? null : before.status_reason;
  await tx.query(
    `UPDATE payout_statements SET status = $2, status_reason = $3, paid_reference = coalesce($4, paid_reference), paid_on = coalesce($5::date, paid_on), updated_at = now()
     WHERE statement_id = $1`,
    [statementId, move.to, reason ?? null, input.reference ?? null, input.paidOn ?? null],
  );
  const ids = await statementEntryIds(tx, statementId);
  const data = { statement_id: statementId, partner_id: before.partner_id, currency: before.currency, amount: before.amount_payable, period: before.period };
  if (input.action === 'reject') await tx.query('UPDATE payout_statement_entries SET released = true WHERE statement_id = $1', [statementId]);
  if (input.action === 'approve') await appendEvents(tx, [{ type: 'payout.approved', subjectType: 'partner', subjectId: before.partner_id, data }]);
  if (input.action === 'pay') {
    const moved = await transition(tx, ids, 'paid', `paid on statement ${statementId} (${input.reference})`, ['approved'], { actor: input.actor, payoutId: statementId });
    if (moved.length !== ids.length)
      throw new AppError(409, 'statement_stale', 'Some entries on this statement changed since it was drafted (reversed by a recomputation); reject it and start a new run.');
    await issueCheckpoints(tx, [
      { partnerId: before.partner_id, reason: 'payout', statement: { statement_id: statementId, period: before.period, currency: before.currency, ledger_total: before.ledger_total, entry_ids: ids } },
    ]);
    await appendEvents(tx, [{ type: 'payout.paid', subjectType: 'partner', subjectId: before.partner_id, data: { ...data, reference: input.reference, paid_on: input.paidOn } }]);
    if (input.publicUrl)
      await queueEmail(tx, input.publicUrl, before.partner_id, 'payout_paid', { amount: before.amount_payable, currency: before.currency, period: before.period, reference: input.reference ?? '' });
  }
  if (input.action === 'fail') {
    if (before.status === 'paid') {
      await transition(tx, ids, 'approved', `payment of statement ${statementId} failed: ${input.reason}`, ['paid'], { actor: input.actor, payoutId: null });
    }
    // An alert, not a silent failure: subscribers (finance, the CRM) hear of it at once.
    await appendEvents(tx, [{ type: 'payout.failed', subjectType: 'partner', subjectId: before.partner_id, data: { ...data, reason: input.reason, previous_status: before.status } }]);
    if (input.publicUrl)
      await queueEmail(tx, input.publicUrl, before.partner_id, 'payout_failed', { amount: before.amount_payable, currency: before.currency, period: before.period, reason: input.reason ?? '' });
  }
  await recordAudit(tx, {
    actor: input.actor,
    action: `statement.${input.action}`,
    subject: { type: 'payout_statement', id: statementId },
    before: { status: before.status, status_reason: before.status_reason },
    after: { status: move.to, status_reason: reason ?? null, ...(input.action === 'pay' ? { reference: input.reference, paid_on: input.paidOn, entries: ids.length } : {}) },
    ip: input.ip,
  });
}
