import { recordAudit } from '../audit/record.ts';
import type { Sql } from '../db/index.ts';
import { AppError, type FieldIssue, validationFailed } from '../shared/errors.ts';
import { Dec } from '../shared/decimal.ts';
import { decrypt, encrypt } from '../shared/keyring.ts';
import type { Actor } from './verification.ts';
import { isCountryCode } from '../shared/countries.ts';

/*
 * Tax forms: W-9 from US persons, W-8BEN from foreign individuals, W-8BEN-E from foreign entities,
 * as structured data with a typed electronic signature, sealed at rest. The latest form of a partner
 * is its current one.
 */

export const FORM_TYPES = ['W-9', 'W-8BEN', 'W-8BEN-E'] as const;
export type FormType = (typeof FORM_TYPES)[number];

/** The 1099-NEC reporting threshold (US dollars paid in a calendar year). */
export const NEC_THRESHOLD = '600';

export interface TaxFormInput {
  form_type: FormType;
  data: Record<string, unknown>;
  signature: { typed_name: string; certify: boolean };
}

export interface TaxFormView {
  form_id: string;
  form_type: FormType;
  us_person: boolean;
  data: Record<string, unknown>;
  signature: { typed_name: string; signed_on: string; ip: string | null };
  submitted_by: string;
  created_at: string;
}

const TEXT = /^[^\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]{1,200}$/u;

/** The fields of each form: name → required, and a pattern where one applies. */
// A pattern, or a test where a pattern cannot say it (an assigned country code).
const COUNTRY = { test: isCountryCode };
const FIELDS: Record<FormType, Record<string, { required: boolean; pattern?: { test(v: string): boolean }; reason?: string }>> = {
  'W-9': {
    name: { required: true },
    business_name: { required: false },
    tax_classification: { required: true, pattern: /^(individual|c_corporation|s_corporation|partnership|trust_estate|llc|other)$/, reason: 'must be individual, c_corporation, s_corporation, partnership, trust_estate, llc or other' },
    address: { required: true },
    city_state_zip: { required: true },
    tin_type: { required: true, pattern: /^(ssn|ein)$/, reason: 'must be ssn or ein' },
    tin: { required: true, pattern: /^\d{3}-?\d{2}-?\d{4}$|^\d{2}-?\d{7}$/, reason: 'must be 9 digits: an SSN (123-45-6789) or an EIN (12-3456789)' },
  },
  'W-8BEN': {
    name: { required: true },
    country_of_citizenship: { required: true, pattern: COUNTRY, reason: 'must be an ISO 3166-1 alpha-2 country code' },
    permanent_address: { required: true },
    city_country: { required: true },
    country: { required: true, pattern: COUNTRY, reason: 'must be an ISO 3166-1 alpha-2 country code (not US)' },
    foreign_tin: { required: false },
    date_of_birth: { required: true, pattern: /^\d{4}-\d{2}-\d{2}$/, reason: 'must be a date YYYY-MM-DD' },
    treaty_country: { required: false, pattern: COUNTRY, reason: 'must be an ISO 3166-1 alpha-2 country code' },
  },
  'W-8BEN-E': {
    organisation_name: { required: true },
    country_of_incorporation: { required: true, pattern: COUNTRY, reason: 'must be an ISO 3166-1 alpha-2 country code (not US)' },
    chapter3_status: { required: true, pattern: /^(corporation|partnership|simple_trust|grantor_trust|complex_trust|estate|government|other)$/, reason: 'must be corporation, partnership, simple_trust, grantor_trust, complex_trust, estate, government or other' },
    permanent_address: { required: true },
    city_country: { required: true },
    foreign_tin: { required: false },
    treaty_country: { required: false, pattern: COUNTRY, reason: 'must be an ISO 3166-1 alpha-2 country code' },
  },
};

export function validateTaxForm(input: TaxFormInput): { data: Record<string, string>; signer: string } {
  const rules = FIELDS[input.form_type];
  const problems: FieldIssue[] = [];
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.data ?? {})) {
    const rule = rules[key];
    if (!rule) {
      problems.push({ field: `data.${key}`, reason: `is not a field of ${input.form_type} (fields: ${Object.keys(rules).join(', ')})` });
      continue;
    }
    const v = typeof value === 'string' ? value.normalize('NFC').trim() : '';
    if (!TEXT.test(v)) problems.push({ field: `data.${key}`, reason: 'must be 1–200 printable characters' });
    else if (rule.pattern && !rule.pattern.test(v)) problems.push({ field: `data.${key}`, reason: rule.reason ?? 'is malformed' });
    else data[key] = v;
  }
  for (const [key, rule] of Object.entries(rules)) if (rule.required && input.data?.[key] === undefined) problems.push({ field: `data.${key}`, reason: 'is required' });
  for (const key of ['country', 'country_of_incorporation'])
    if (data[key] === 'US') problems.push({ field: `data.${key}`, reason: `a US person files a W-9, not a ${input.form_type}` });
  const signer = input.signature?.typed_name?.normalize('NFC').trim() ?? '';
  if (!TEXT.test(signer)) problems.push({ field: 'signature.typed_name', reason: 'type your full name to sign' });
  if (input.signature?.certify !== true) problems.push({ field: 'signature.certify', reason: 'must be true: the signer certifies the form under penalties of perjury' });
  const named = data.name ?? data.organisation_name;
  if (input.form_type !== 'W-8BEN-E' && named && signer && signer.toLowerCase() !== named.toLowerCase())
    problems.push({ field: 'signature.typed_name', reason: 'must be the name on the form' });
  if (problems.length) throw validationFailed(problems, `The ${input.form_type} is incomplete or invalid: ${problems.length} problem(s); see details.`);
  if (data.tin) data.tin = data.tin.replace(/-/g, '');
  return { data, signer };
}

export async function submitTaxForm(tx: Sql, partnerId: string, input: TaxFormInput, who: Actor, today: string): Promise<TaxFormView> {
  const { data, signer } = validateTaxForm(input);
  const [row] = await tx.query<{ form_id: string; created_at: string }>(
    `INSERT INTO partner_tax_forms (partner_id, form_type, us_person, data_sealed, signature_name_sealed, signed_on, ip, submitted_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING form_id, created_at`,
    [partnerId, input.form_type, input.form_type === 'W-9', encrypt(JSON.stringify(data)), encrypt(signer), today, who.ip ?? null, who.actor],
  );
  await recordAudit(tx, {
    actor: who.actor,
    action: 'partner.tax_form.submit',
    subject: { type: 'partner', id: partnerId },
    after: { form_id: row.form_id, form_type: input.form_type, fields: Object.keys(data), signed_on: today },
    ip: who.ip,
  });
  return { form_id: row.form_id, form_type: input.form_type, us_person: input.form_type === 'W-9', data, signature: { typed_name: signer, signed_on: today, ip: who.ip ?? null }, submitted_by: who.actor, created_at: row.created_at };
}

/** The partner's current tax form, with the TIN masked unless full is asked for. */
export async function currentTaxForm(db: Sql, partnerId: string, full = false): Promise<TaxFormView | null> {
  const [row] = await db.query<{ form_id: string; form_type: FormType; us_person: boolean; data_sealed: string; signature_name_sealed: string; signed_on: string; ip: string | null; submitted_by: string; created_at: string }>(
    `SELECT form_id, form_type, us_person, data_sealed, signature_name_sealed, signed_on::text AS signed_on, ip, submitted_by, created_at
     FROM partner_tax_forms WHERE partner_id = $1 ORDER BY created_at DESC, form_id DESC LIMIT 1`,
    [partnerId],
  );
  if (!row) return null;
  const data = JSON.parse(decrypt(row.data_sealed)) as Record<string, string>;
  if (!full) for (const k of ['tin', 'foreign_tin']) if (data[k]) data[k] = `••••${data[k].slice(-4)}`;
  return { form_id: row.form_id, form_type: row.form_type, us_person: row.us_person, data, signature: { typed_name: decrypt(row.signature_name_sealed), signed_on: row.signed_on, ip: row.ip }, submitted_by: row.submitted_by, created_at: row.created_at };
}

export interface NecRow {
  partner_id: string;
  name: string;
  business_name: string;
  tin_type: string;
  tin: string;
  address: string;
  city_state_zip: string;
  amount_usd: string;
  statements: number;
}

/**
 * The 1099-NEC summary of a calendar year: each partner whose current form is a W-9 and that was
 * paid at least $600 in USD statements marked paid in that year (by paid_on). Other currencies are
 * not converted: they are listed by the report's caller from the statements themselves.
 */
export async function necSummary(db: Sql, year: number): Promise<NecRow[]> {
  const rows = await db.query<{ partner_id: string; total: string; n: number }>(
    `SELECT s.partner_id, sum(s.amount_payable)::text AS total, count(*)::int AS n FROM payout_statements s
     WHERE s.status = 'paid' AND s.currency = 'USD' AND s.paid_on >= make_date($1, 1, 1) AND s.paid_on < make_date($1 + 1, 1, 1)
     GROUP BY s.partner_id HAVING sum(s.amount_payable) >= $2::numeric ORDER BY s.partner_id`,
    [year, NEC_THRESHOLD],
  );
  const out: NecRow[] = [];
  for (const r of rows) {
    const form = await currentTaxForm(db, r.partner_id, true);
    if (!form || form.form_type !== 'W-9') continue;
    const d = form.data as Record<string, string>;
    out.push({
      partner_id: r.partner_id, name: d.name ?? '', business_name: d.business_name ?? '', tin_type: d.tin_type ?? '', tin: d.tin ?? '',
      address: d.address ?? '', city_state_zip: d.city_state_zip ?? '', amount_usd: new Dec(r.total).toFixed(2), statements: r.n,
    });
  }
  return out;
}

export function assertYear(year: number): void {
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new AppError(422, 'validation_failed', 'year must be between 2000 and 2100.', [{ field: 'year', reason: 'must be a year such as 2026' }]);
}
