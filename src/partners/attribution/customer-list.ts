import type { Sql } from '../../db/index.ts';
import { openCustomerPii } from '../../ingest/customer-pii.ts';
import { emailHashCandidates } from '../../shared/keyring.ts';
import { decodeCursor, encodeCursor, Filters } from '../../shared/pagination.ts';

export interface CustomerListQuery {
  /** The start of a customer id (the broker's ids are often prefixed by desk or region). */
  customer_id?: string;
  /** The partner that owns the customer now. */
  partner_id?: string;
  /** ISO 3166 two-letter country. */
  country?: string;
  kyc_status?: string;
  /** A whole email address, found through its keyed hash (emails are sealed; a part of one cannot be searched). */
  email?: string;
  cursor?: string;
  per_page?: number;
}

export interface CustomerListRow {
  customer_id: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  country_code: string | null;
  kyc_status_id: string | null;
  signup_date: string;
  first_deposit_at: string | null;
  partner_id: string | null;
  partner_name: string | null;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * One page of customers with the partner that owns each now, newest first, paged by cursor (no count over the whole
 * table: with a search the next page is found by the keyset alone). Personal data are opened for the answer.
 */
export async function listCustomers(db: Sql, q: CustomerListQuery): Promise<{ data: CustomerListRow[]; meta: { per_page: number; next_cursor: string | null } }> {
  const perPage = q.per_page ?? 50;
  const f = new Filters();
  if (q.customer_id) f.add(`c.customer_id LIKE ? ESCAPE '\\'`, `${escapeLike(q.customer_id)}%`);
  if (q.country) f.add('c.country_code = ?', q.country.toUpperCase());
  if (q.kyc_status) f.add('c.kyc_status_id = ?', q.kyc_status);
  if (q.email) f.add('c.email_hash = ANY(?::text[])', emailHashCandidates(q.email));
  if (q.partner_id) f.add('o.partner_id = ?', q.partner_id);
  if (q.cursor !== undefined) f.add('c.seq < ?', decodeCursor(q.cursor));
  f.params.push(perPage + 1);
  const rows = await db.query<CustomerListRow & { seq: number | string }>(
    `SELECT c.seq, c.customer_id, c.first_name, c.last_name, c.email, c.country_code, c.kyc_status_id, c.signup_date, c.first_deposit_at,
            o.partner_id, p.name AS partner_name
       FROM customers c
       LEFT JOIN LATERAL (
         SELECT a.partner_id FROM attributions a
          WHERE a.customer_id = c.customer_id AND a.superseded_at IS NULL
            AND a.effective_from <= now() AND (a.effective_to IS NULL OR a.effective_to > now())
          ORDER BY a.effective_from DESC LIMIT 1
       ) o ON true
       LEFT JOIN partners p ON p.partner_id = o.partner_id
       ${f.where()}
      ORDER BY c.seq DESC
      LIMIT $${f.params.length}`,
    f.params,
  );
  const more = rows.length > perPage;
  const page = more ? rows.slice(0, perPage) : rows;
  const last = page[page.length - 1];
  return {
    data: page.map(({ seq: _, ...row }) => openCustomerPii({ ...row, signup_date: iso(row.signup_date)!, first_deposit_at: iso(row.first_deposit_at) })),
    meta: { per_page: perPage, next_cursor: more && last ? encodeCursor(Number(last.seq)) : null },
  };
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}
