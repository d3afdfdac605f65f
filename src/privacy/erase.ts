import { createReadStream, createWriteStream, existsSync, renameSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { recordAudit } from '../audit/record.ts';
import type { Database, Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { CUSTOMER_PII, openCustomerPii } from '../ingest/customer-pii.ts';
import { AppError } from '../shared/errors.ts';
import { keyedDigest } from '../shared/keyring.ts';

/*
 * Erasure (GDPR art. 17) of one customer's personal data. The financial record stays — customer_id,
 * transactions, trading activity, deals, attribution, ledger (append-only, never touched), payouts —
 * under a pseudonym; every copy of the personal data goes: the customer row's sealed fields and
 * email hash, and the raw payloads that carried them (connector receipts and dead letters, events,
 * attribution conflict claims and notes, transaction comments, import files and reports on disk).
 */

/** Tables and columns that can hold raw copies of inbound personal data, and how a row names its customer. */
const COPIES: readonly { table: string; columns: string[]; related: string }[] = [
  { table: 'events', columns: ['data'], related: `subject_id = $1 OR data::text LIKE $2 OR data::text ILIKE $3` },
  { table: 'connector_received', columns: ['result'], related: `result::text LIKE $2 OR result::text ILIKE $3` },
  { table: 'connector_dead_letters', columns: ['payload', 'details', 'error'], related: `payload::text LIKE $2 OR payload::text ILIKE $3 OR details::text LIKE $2 OR details::text ILIKE $3` },
  { table: 'attribution_conflicts', columns: ['claim', 'resolution_reason'], related: `customer_id = $1` },
  { table: 'attributions', columns: ['reason'], related: `customer_id = $1` },
  { table: 'transactions', columns: ['comment', 'payment_method'], related: `customer_id = $1` },
  { table: 'connector_imports', columns: ['header', 'error'], related: `true` },
  { table: 'idempotency_keys', columns: ['response_body'], related: `response_body::text LIKE $2 OR response_body::text ILIKE $3` },
];

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The values to scrub: each field, and the full name both ways round (platforms send "Name": "Ana Lima"). */
function candidates(pii: Record<string, string | null>): string[] {
  const values = new Set<string>();
  for (const f of CUSTOMER_PII) {
    const v = pii[f]?.trim();
    if (v && v.length >= 2) values.add(v);
  }
  const first = pii.first_name?.trim();
  const last = pii.last_name?.trim();
  if (first && last) {
    values.add(`${first} ${last}`);
    values.add(`${last} ${first}`);
    values.add(`${last}, ${first}`);
  }
  // Longest first, so "Ana Lima" goes before "Ana".
  return [...values].sort((a, b) => b.length - a.length);
}

export function pseudonymOf(customerId: string): string {
  return `erased-${keyedDigest(`erasure\n${customerId}`).slice(0, 12)}`;
}

/** One regular expression matching any of the values as whole words, case-insensitive. */
function wordPattern(values: string[]): string {
  return `(^|[^[:alnum:]_@.+-])(${values.map(escapeRegex).join('|')})(?=$|[^[:alnum:]_@-])`;
}

async function scrubTables(tx: Sql, customerId: string, email: string | null, values: string[], pseudonym: string): Promise<number> {
  if (!values.length) return 0;
  const pattern = wordPattern(values);
  let scrubbed = 0;
  for (const c of COPIES) {
    // Only rows that belong to this customer (its id as a JSON string, or its email) are touched, so
    // another customer who happens to share a first name keeps theirs.
    const params = [customerId, `%${escapeLike(JSON.stringify(customerId))}%`, email ? `%${escapeLike(email)}%` : '\u0000never'];
    const sets = c.columns.map((col) => {
      const isJson = ['data', 'result', 'payload', 'details', 'claim', 'header', 'response_body'].includes(col);
      return isJson ? `${col} = regexp_replace(${col}::text, $4, '\\1' || $5, 'gi')::jsonb` : `${col} = regexp_replace(${col}, $4, '\\1' || $5, 'gi')`;
    });
    const matches = c.columns.map((col) => `${col}::text ~* $4`).join(' OR ');
    const rows = await tx.query(
      // The first clause only types the parameters a table's condition does not use.
      `UPDATE ${c.table} SET ${sets.join(', ')}
       WHERE ($1::text, $2::text, $3::text, $5::text) IS NOT NULL AND (${c.related}) AND (${matches}) RETURNING 1`,
      [...params, pattern, pseudonym],
    );
    scrubbed += rows.length;
  }
  return scrubbed;
}

/** Rewrites a CSV import file or report on disk without the values, line by line (files can be large). */
async function scrubFile(path: string, values: string[], pseudonym: string): Promise<boolean> {
  if (!existsSync(path) || !values.length) return false;
  const re = new RegExp(`(^|[^\\p{L}\\p{N}_@.+-])(${values.map(escapeRegex).join('|')})(?=$|[^\\p{L}\\p{N}_@-])`, 'giu');
  const tmp = `${path}.erasing`;
  const out = createWriteStream(tmp, { mode: 0o600 });
  let changed = false;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    const next = line.replace(re, (_m, pre: string) => `${pre}${pseudonym}`);
    if (next !== line) changed = true;
    out.write(`${next}\n`);
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  if (changed) renameSync(tmp, path);
  else (await import('node:fs')).rmSync(tmp, { force: true });
  return changed;
}

export interface ErasureResult {
  customer_id: string;
  status: 'erased' | 'already_erased';
  pseudonym: string;
  erased_at: string;
  /** Rows outside the customer record whose copies of the personal data were scrubbed. */
  copies_scrubbed: number;
  files_scrubbed: number;
}

export async function eraseCustomer(db: Database, customerId: string, by: { actor: string; reason: string; ip?: string }): Promise<ErasureResult> {
  const result = await db.transaction(async (tx) => {
    const [row] = await tx.query<Record<string, string | null>>(
      `SELECT customer_id, first_name, last_name, email, phone, address, pseudonym, erased_at FROM customers WHERE customer_id = $1 FOR UPDATE`,
      [customerId],
    );
    if (!row) throw new AppError(404, 'not_found', 'No customer with this id.');
    if (row.erased_at)
      return { result: { customer_id: customerId, status: 'already_erased' as const, pseudonym: row.pseudonym as string, erased_at: row.erased_at, copies_scrubbed: 0, files_scrubbed: 0 }, values: [] };
    const pii = openCustomerPii(row);
    const values = candidates(pii);
    const pseudonym = pseudonymOf(customerId);
    const [done] = await tx.query<{ erased_at: string }>(
      `UPDATE customers SET first_name = NULL, last_name = NULL, email = NULL, phone = NULL, address = NULL, email_hash = NULL,
         pseudonym = $2, erased_at = now(), updated_at = now() WHERE customer_id = $1 RETURNING erased_at`,
      [customerId, pseudonym],
    );
    // Even hashed, the sign-up identifiers link the person to others: they go with the personal data.
    await tx.query('DELETE FROM customer_identifiers WHERE customer_id = $1', [customerId]);
    // A customer who became a partner: the partner keeps its record and earnings under the pseudonym.
    await tx.query(`UPDATE partners SET name = $2, email = NULL, email_hash = NULL, updated_at = now() WHERE customer_id = $1`, [customerId, pseudonym]);
    const copies = await scrubTables(tx, customerId, pii.email, values, pseudonym);
    await appendEvents(tx, [{ type: 'customer.erased', subjectType: 'customer', subjectId: customerId, data: { customer_id: customerId, pseudonym } }]);
    await recordAudit(tx, {
      actor: by.actor,
      action: 'customer.erase',
      subject: { type: 'customer', id: customerId },
      before: { fields: CUSTOMER_PII.filter((f) => pii[f] !== null) },
      after: { pseudonym, reason: by.reason, copies_scrubbed: copies },
      ip: by.ip,
    });
    return { result: { customer_id: customerId, status: 'erased' as const, pseudonym, erased_at: done.erased_at, copies_scrubbed: copies, files_scrubbed: 0 }, values };
  });
  if (result.values.length) {
    // Files are outside the transaction: scrubbed after the commit (a crash here leaves them for a repeat, which scrubs again).
    const files = await db.query<{ file_path: string; report_path: string | null }>('SELECT file_path, report_path FROM connector_imports');
    for (const f of files)
      for (const p of [f.file_path, f.report_path])
        if (p && (await scrubFile(p, result.values, result.result.pseudonym))) result.result.files_scrubbed++;
  }
  return result.result;
}
