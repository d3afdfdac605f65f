import { decryptPii, emailHash, encryptNullable, keyRing } from '../shared/keyring.ts';
import type { CustomerRecord } from './specs.ts';

/** The customer fields that hold personal data: sealed by the key ring at rest (docs/privacy.md). */
export const CUSTOMER_PII = ['first_name', 'last_name', 'email', 'phone', 'address'] as const;
export type CustomerPiiField = (typeof CUSTOMER_PII)[number];

type PiiRow = { [K in CustomerPiiField]?: string | null };

/** Seals the personal data of many rows at once, column by column, with the email's keyed hash. */
export function sealCustomerPii(rows: PiiRow[]): Record<CustomerPiiField | 'email_hash', (string | null)[]> {
  const ring = keyRing();
  const out = {} as Record<CustomerPiiField | 'email_hash', (string | null)[]>;
  for (const field of CUSTOMER_PII) out[field] = rows.map((r) => encryptNullable(r[field], ring));
  out.email_hash = rows.map((r) => emailHash(r.email, ring));
  return out;
}

/** Opens the personal data of a stored row in place (clear text from before encryption passes through). */
export function openCustomerPii<T extends PiiRow>(row: T): T {
  const ring = keyRing();
  for (const field of CUSTOMER_PII) if (field in row) (row as PiiRow)[field] = decryptPii(row[field], ring);
  return row;
}

/** A record for an erased customer: its personal data are dropped, the rest is applied. */
export function withoutPii(record: CustomerRecord): Record<string, string | undefined> {
  const copy: Record<string, string | undefined> = { ...(record as unknown as Record<string, string | undefined>) };
  for (const field of CUSTOMER_PII) delete copy[field];
  return copy;
}
