import type { Sql } from '../db/index.ts';
import { appendEvents, type NewEvent } from '../events/outbox.ts';
import { ownersAt, trackingData, trackingOf } from '../partners/attribution/store.ts';
import { Dec } from '../shared/decimal.ts';
import { type FieldIssue, validationFailed } from '../shared/errors.ts';
import { type BatchResult, type Outcome, summarise } from './batch.ts';
import { existingCustomerIds } from './customers.ts';
import type { TransactionRecord, TransactionStatus } from './specs.ts';

const NEXT_STATUSES: Record<TransactionStatus, readonly TransactionStatus[]> = {
  pending: ['pending', 'approved', 'rejected', 'cancelled'],
  approved: ['approved'],
  rejected: ['rejected'],
  cancelled: ['cancelled'],
};
const IMMUTABLE = ['customer_id', 'transaction_type', 'currency'] as const;

interface StoredTransaction {
  transaction_id: string;
  customer_id: string;
  transaction_type: string;
  amount: string;
  currency: string;
  transaction_date: string;
  status: TransactionStatus;
  payment_method: string | null;
  comment: string | null;
}

const sameAmount = (a: string, b: string) => new Dec(a).eq(b);

/** Checks one record against what is stored: status moves forward only, identity fields never change. */
function checkAgainstStored(record: TransactionRecord, stored: StoredTransaction, index: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const field of IMMUTABLE) {
    if (record[field] !== stored[field])
      issues.push({ index, field, reason: `cannot change from "${stored[field]}" to "${record[field]}" once recorded` });
  }
  if (!NEXT_STATUSES[stored.status].includes(record.status))
    issues.push({ index, field: 'status', reason: `cannot move from ${stored.status} to ${record.status}` });
  else if (stored.status !== 'pending' && !sameAmount(record.amount, stored.amount))
    issues.push({ index, field: 'amount', reason: `cannot change once the transaction is ${stored.status}` });
  return issues;
}

/** Record-level rule checked with the schema: only an adjustment may be negative. */
export function checkTransactionSign(record: TransactionRecord, index: number): FieldIssue[] {
  if (record.amount.startsWith('-') && record.transaction_type !== 'adjustment')
    return [{ index, field: 'amount', reason: `must not be negative for a ${record.transaction_type}` }];
  return [];
}

/**
 * Upserts validated transactions in the caller's transaction: a status change is the same
 * transaction_id sent again. Emits transaction.created / transaction.status_changed, and
 * deposit.first the first time a customer has an approved deposit.
 */
export async function upsertTransactions(tx: Sql, records: TransactionRecord[]): Promise<BatchResult> {
  const ids = records.map((r) => r.transaction_id);
  const customers = await existingCustomerIds(tx, records.map((r) => r.customer_id));
  const stored = new Map(
    (
      await tx.query<StoredTransaction>(
        `SELECT transaction_id, customer_id, transaction_type, amount, currency, transaction_date, status, payment_method, comment
         FROM transactions WHERE transaction_id = ANY($1::text[]) FOR UPDATE`,
        [ids],
      )
    ).map((r) => [r.transaction_id, r]),
  );

  const issues: FieldIssue[] = [];
  records.forEach((record, index) => {
    if (!customers.has(record.customer_id))
      issues.push({ index, field: 'customer_id', reason: `no customer "${record.customer_id}" exists; send the customer first` });
    const before = stored.get(record.transaction_id);
    if (before) issues.push(...checkAgainstStored(record, before, index));
  });
  if (issues.length) throw validationFailed(issues);

  const outcomes = new Map<string, Outcome>();
  const writes: TransactionRecord[] = [];
  const events: NewEvent[] = [];
  for (const record of records) {
    const before = stored.get(record.transaction_id);
    const data = { transaction: { ...record, payment_method: record.payment_method ?? null, comment: record.comment ?? null } };
    if (!before) {
      outcomes.set(record.transaction_id, 'created');
      writes.push(record);
      events.push({ type: 'transaction.created', subjectType: 'transaction', subjectId: record.transaction_id, data });
      continue;
    }
    const differs =
      before.status !== record.status ||
      !sameAmount(before.amount, record.amount) ||
      before.transaction_date !== record.transaction_date ||
      (record.payment_method !== undefined && before.payment_method !== record.payment_method) ||
      (record.comment !== undefined && before.comment !== record.comment);
    if (!differs) {
      outcomes.set(record.transaction_id, 'unchanged');
      continue;
    }
    outcomes.set(record.transaction_id, 'updated');
    writes.push(record);
    if (before.status !== record.status)
      events.push({
        type: 'transaction.status_changed',
        subjectType: 'transaction',
        subjectId: record.transaction_id,
        data: { ...data, previous_status: before.status },
      });
  }

  if (writes.length) {
    const col = <K extends keyof TransactionRecord>(k: K) => writes.map((w) => w[k] ?? null);
    await tx.query(
      `INSERT INTO transactions (transaction_id, customer_id, transaction_type, amount, currency, transaction_date, status, payment_method, comment)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::numeric[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[])
       ON CONFLICT (transaction_id) DO UPDATE SET
         amount = EXCLUDED.amount, transaction_date = EXCLUDED.transaction_date, status = EXCLUDED.status,
         payment_method = coalesce(EXCLUDED.payment_method, transactions.payment_method),
         comment = coalesce(EXCLUDED.comment, transactions.comment), updated_at = now()`,
      [
        col('transaction_id'),
        col('customer_id'),
        col('transaction_type'),
        col('amount'),
        col('currency'),
        col('transaction_date'),
        col('status'),
        col('payment_method'),
        col('comment'),
      ],
    );
    events.push(...(await markFirstDeposits(tx, [...new Set(writes.map((w) => w.customer_id))])));
  }
  await appendEvents(tx, events);
  return summarise(ids, (id) => outcomes.get(id) ?? 'unchanged');
}

/** Records each customer's first approved deposit once, and says so with a deposit.first event. */
async function markFirstDeposits(tx: Sql, customerIds: string[]): Promise<NewEvent[]> {
  const rows = await tx.query<{
    customer_id: string;
    affiliate_id: string | null;
    transaction_id: string;
    transaction_date: string;
    amount: string;
    currency: string;
  }>(
    `WITH firsts AS (
       SELECT DISTINCT ON (t.customer_id) t.customer_id, t.transaction_id, t.transaction_date, t.amount, t.currency
       FROM transactions t JOIN customers c ON c.customer_id = t.customer_id
       WHERE t.customer_id = ANY($1::text[]) AND c.first_deposit_at IS NULL
         AND t.transaction_type = 'deposit' AND t.status = 'approved'
       ORDER BY t.customer_id, t.transaction_date, t.transaction_id)
     UPDATE customers c SET first_deposit_at = f.transaction_date, first_deposit_transaction_id = f.transaction_id
     FROM firsts f WHERE c.customer_id = f.customer_id
     RETURNING c.customer_id, c.affiliate_id, f.transaction_id, f.transaction_date, f.amount, f.currency`,
    [customerIds],
  );
  // The partner who owned the customer when the deposit was made: the one a CPA is owed to.
  const owners = await ownersAt(tx, rows.map((r) => ({ customerId: r.customer_id, instant: r.transaction_date })));
  const ownerOf = (r: (typeof rows)[number]) => owners.get(`${r.customer_id}|${r.transaction_date}`) ?? null;
  const tracking = await trackingOf(tx, rows.flatMap((r) => (ownerOf(r) ? [{ customerId: r.customer_id, partnerId: ownerOf(r)! }] : [])));
  return rows.map((r) => ({
    type: 'deposit.first',
    subjectType: 'customer',
    subjectId: r.customer_id,
    occurredAt: r.transaction_date,
    data: {
      customer_id: r.customer_id,
      affiliate_id: r.affiliate_id,
      partner_id: ownerOf(r),
      transaction_id: r.transaction_id,
      amount: r.amount,
      currency: r.currency,
      transaction_date: r.transaction_date,
      ...trackingData(tracking.get(`${r.customer_id}|${ownerOf(r)}`)),
    },
  }));
}
