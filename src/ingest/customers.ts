import type { Sql } from '../db/index.ts';
import { appendEvents, type NewEvent } from '../events/outbox.ts';
import { attributeCustomers } from '../partners/attribution/attribute.ts';
import { type BatchResult, type Outcome, summarise } from './batch.ts';
import { CUSTOMER_PII, type CustomerPiiField, openCustomerPii, sealCustomerPii, withoutPii } from './customer-pii.ts';
import { recordIdentifiers } from './signup-identifiers.ts';
import type { CustomerRecord } from './specs.ts';

const COLUMNS = [
  'customer_id',
  'signup_date',
  'last_modified_date',
  'affiliate_id',
  'campaign_id',
  'click_id',
  'lang_id',
  'country_code',
  'kyc_status_id',
  'sales_status_id',
  'trading_account_type',
  'leverage',
  'first_name',
  'last_name',
  'email',
  'phone',
  'address',
] as const satisfies readonly (keyof CustomerRecord)[];

const TYPES: Record<(typeof COLUMNS)[number], string> = {
  customer_id: 'text',
  signup_date: 'timestamptz',
  last_modified_date: 'timestamptz',
  affiliate_id: 'text',
  campaign_id: 'text',
  click_id: 'text',
  lang_id: 'text',
  country_code: 'text',
  kyc_status_id: 'text',
  sales_status_id: 'text',
  trading_account_type: 'text',
  leverage: 'text',
  first_name: 'text',
  last_name: 'text',
  email: 'text',
  phone: 'text',
  address: 'text',
};

// Fields that personal data live in: sealed at rest, never copied into events.
const PII = new Set<string>(CUSTOMER_PII);

type StoredCustomer = { [K in (typeof COLUMNS)[number]]: string | null };

/** What a customer event carries: the record without personal data. */
export function customerEventData(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !PII.has(k) && (COLUMNS as readonly string[]).includes(k)));
}

export interface CustomerChange {
  customerId: string;
  outcome: Outcome;
  before?: StoredCustomer;
  after: StoredCustomer;
  changed: string[];
}

/**
 * Upserts validated customer records in the caller's transaction. Fields a record leaves out keep
 * their stored values; a record whose last_modified_date is older than the stored one changes
 * nothing and is reported unchanged.
 */
export async function upsertCustomers(
  tx: Sql,
  records: CustomerRecord[],
  kyc: { kycApproved: string[] } = { kycApproved: ['approved', 'verified', 'passed'] },
): Promise<{ result: BatchResult; changes: CustomerChange[] }> {
  const ids = records.map((r) => r.customer_id);
  const stored = await tx.query<StoredCustomer & { erased: boolean }>(
    `SELECT ${COLUMNS.join(', ')}, erased_at IS NOT NULL AS erased FROM customers WHERE customer_id = ANY($1::text[]) FOR UPDATE`,
    [ids],
  );
  // Compared in clear: the stored values are sealed with a random IV each time.
  const existing = new Map(stored.map(({ erased: _, ...row }) => [row.customer_id as string, openCustomerPii(row)]));
  const erased = new Set(stored.filter((r) => r.erased).map((r) => r.customer_id as string));

  const changes: CustomerChange[] = [];
  const outcomes = new Map<string, Outcome>();
  for (const record of records) {
    const before = existing.get(record.customer_id);
    const incoming = erased.has(record.customer_id) ? withoutPii(record) : (record as unknown as Record<string, string | undefined>);
    if (!before) {
      const after = Object.fromEntries(COLUMNS.map((c) => [c, incoming[c] ?? null])) as StoredCustomer;
      changes.push({ customerId: record.customer_id, outcome: 'created', after, changed: [] });
      outcomes.set(record.customer_id, 'created');
      continue;
    }
    const stale = record.last_modified_date && before.last_modified_date && record.last_modified_date < before.last_modified_date;
    const after = Object.fromEntries(COLUMNS.map((c) => [c, incoming[c] ?? before[c]])) as StoredCustomer;
    const changed = stale ? [] : COLUMNS.filter((c) => after[c] !== before[c]);
    if (changed.length === 0) {
      outcomes.set(record.customer_id, 'unchanged');
      continue;
    }
    changes.push({ customerId: record.customer_id, outcome: 'updated', before, after, changed });
    outcomes.set(record.customer_id, 'updated');
  }

  if (changes.length) {
    // Sealed in bulk here, so the write stays one set-based statement.
    const sealed = sealCustomerPii(changes.map((ch) => ch.after));
    const params = [...COLUMNS.map((c) => (PII.has(c) ? sealed[c as CustomerPiiField] : changes.map((ch) => ch.after[c]))), sealed.email_hash];
    const columns = [...COLUMNS, 'email_hash'];
    const unnest = columns.map((c, i) => `$${i + 1}::${c === 'email_hash' ? 'text' : TYPES[c as (typeof COLUMNS)[number]]}[]`).join(', ');
    const updates = columns.filter((c) => c !== 'customer_id').map((c) => `${c} = EXCLUDED.${c}`);
    await tx.query(
      `INSERT INTO customers (${columns.join(', ')})
       SELECT * FROM unnest(${unnest}) AS t(${columns.join(', ')})
       ON CONFLICT (customer_id) DO UPDATE SET ${updates.join(', ')}, updated_at = now()`,
      params,
    );
    const events: NewEvent[] = changes.map((ch) => ({
      type: ch.outcome === 'created' ? 'customer.registered' : 'customer.updated',
      subjectType: 'customer',
      subjectId: ch.customerId,
      data: {
        customer: customerEventData(ch.after),
        ...(ch.outcome === 'updated' ? { changed: ch.changed.filter((c) => !PII.has(c)) } : {}),
      },
    }));
    await appendEvents(tx, events);
    const created = changes.filter((ch) => ch.outcome === 'created').map((ch) => ch.customerId);
    const kycChanged = changes.filter((ch) => ch.outcome === 'updated' && ch.changed.includes('kyc_status_id')).map((ch) => ch.customerId);
    if (created.length || kycChanged.length) await recordKycApproval(tx, created, kycChanged, kyc.kycApproved);
    // Every registration, from the data API or any later source, is attributed in this transaction.
    await attributeCustomers(tx, changes);
  }
  // Sign-up identifiers are kept as keyed hashes beside the record, for the risk signals.
  await recordIdentifiers(tx, records, erased);
  return { result: summarise(ids, (id) => outcomes.get(id) ?? 'unchanged'), changes };
}

/** Which of these customer ids exist; used by the other entities, which must reference one. */
export async function existingCustomerIds(tx: Sql, ids: string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  const rows = await tx.query<{ customer_id: string }>('SELECT customer_id FROM customers WHERE customer_id = ANY($1::text[])', [unique]);
  return new Set(rows.map((r) => r.customer_id));
}

/**
 * Keeps kyc_approved_at, the moment KYC became approved, cleared if it no longer is. The CRM's
 * last_modified_date says when; without it, a customer that arrives already approved counts from
 * its signup (a backfill must not look approved today), a later change from when OpenIB heard of it.
 */
async function recordKycApproval(tx: Sql, created: string[], changed: string[], approvedValues: string[]) {
  await tx.query(
    `UPDATE customers SET kyc_approved_at = CASE
       WHEN lower(kyc_status_id) = ANY($3::text[]) THEN coalesce(kyc_approved_at, last_modified_date,
         CASE WHEN customer_id = ANY($1::text[]) THEN signup_date ELSE now() END)
       ELSE NULL END
     WHERE customer_id = ANY($1::text[]) OR customer_id = ANY($2::text[])`,
    [created, changed, approvedValues],
  );
}

/**
 * The stored signup_date and affiliate_id of these customers, for senders that report a change to
 * one field (a KYC status) of a customer registered earlier.
 */
export async function storedCustomerKeys(tx: Sql, ids: string[]): Promise<Map<string, { signup_date: string; affiliate_id: string }>> {
  const rows = await tx.query<{ customer_id: string; signup_date: string; affiliate_id: string | null }>(
    'SELECT customer_id, signup_date, affiliate_id FROM customers WHERE customer_id = ANY($1::text[])',
    [[...new Set(ids)]],
  );
  return new Map(rows.map((r) => [r.customer_id, { signup_date: r.signup_date, affiliate_id: r.affiliate_id ?? '' }]));
}
