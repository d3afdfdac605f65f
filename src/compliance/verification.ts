import { recordAudit } from '../audit/record.ts';
import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { AppError, validationFailed, type FieldIssue } from '../shared/errors.ts';
import { decrypt, encrypt } from '../shared/keyring.ts';
import { queueEmail } from './email/outbox.ts';

/*
 * Partner due diligence. A partner's verification moves
 *   not_started → submitted → approved | rejected | more_requested, and approved → expired,
 * with more_requested, rejected and expired going back to submitted when the partner submits again.
 * The partner fills the details and uploads documents in the portal; compliance staff review.
 */

export const VERIFICATION_STATUSES = ['not_started', 'submitted', 'more_requested', 'approved', 'rejected', 'expired'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export interface Person {
  name: string;
  role: 'owner' | 'director';
  date_of_birth?: string;
  nationality?: string;
}

export interface VerificationDetails {
  legal_name: string;
  entity_type: 'individual' | 'company';
  registration_number?: string;
  country: string;
  /** When the partner is itself authorised (e.g. a regulated introducer). */
  authorisation?: { regulator: string; licence_number: string };
  /** The owner's identity for an individual; owners and directors for a company. */
  people: Person[];
}

export interface VerificationView {
  partner_id: string;
  status: VerificationStatus;
  details: VerificationDetails | null;
  requested: string | null;
  reason: string | null;
  submitted_at: string | null;
  reviewed_at: string | null;
  reviewed_by: string | null;
  expires_on: string | null;
  approved_on: string | null;
  documents: DocumentView[];
}

export interface DocumentView {
  document_id: string;
  kind: 'id' | 'proof_of_address' | 'company' | 'licence' | 'other';
  content_type: string;
  size_bytes: number;
  sha256: string;
  file_name: string | null;
  expires_on: string | null;
  uploaded_at: string;
}

interface Row {
  partner_id: string;
  status: VerificationStatus;
  details_sealed: string | null;
  requested: string | null;
  reason: string | null;
  submitted_at: string | null;
  reviewed_at: string | null;
  reviewed_by: string | null;
  expires_on: string | null;
  approved_on: string | null;
}

const COLUMNS = `partner_id, status, details_sealed, requested, reason, submitted_at, reviewed_at, reviewed_by, expires_on::text AS expires_on, approved_on::text AS approved_on`;

export interface Actor {
  actor: string;
  ip?: string;
  publicUrl: string;
}

async function lockRow(tx: Sql, partnerId: string): Promise<Row> {
  await tx.query(`INSERT INTO partner_verifications (partner_id) VALUES ($1) ON CONFLICT DO NOTHING`, [partnerId]);
  const [row] = await tx.query<Row>(`SELECT ${COLUMNS} FROM partner_verifications WHERE partner_id = $1 FOR UPDATE`, [partnerId]);
  return row;
}

export async function listDocuments(db: Sql, partnerId: string): Promise<DocumentView[]> {
  const rows = await db.query<DocumentView & { file_name_sealed: string | null }>(
    `SELECT document_id, kind, content_type, size_bytes, sha256, file_name_sealed, expires_on::text AS expires_on, uploaded_at FROM partner_documents WHERE partner_id = $1 ORDER BY uploaded_at, document_id`,
    [partnerId],
  );
  return rows.map(({ file_name_sealed, ...d }) => ({ ...d, file_name: file_name_sealed ? decrypt(file_name_sealed) : null }));
}

export async function getVerification(db: Sql, partnerId: string): Promise<VerificationView> {
  const [row] = await db.query<Row>(`SELECT ${COLUMNS} FROM partner_verifications WHERE partner_id = $1`, [partnerId]);
  const base: Row = row ?? {
    partner_id: partnerId, status: 'not_started', details_sealed: null, requested: null, reason: null,
    submitted_at: null, reviewed_at: null, reviewed_by: null, expires_on: null, approved_on: null,
  };
  const { details_sealed, ...rest } = base;
  return { ...rest, details: details_sealed ? (JSON.parse(decrypt(details_sealed)) as VerificationDetails) : null, documents: await listDocuments(db, partnerId) };
}

const TEXT = /^[^\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]{1,200}$/u;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function cleanText(field: string, value: unknown, problems: FieldIssue[], required = true): string | undefined {
  if (value === undefined || value === null || value === '') {
    if (required) problems.push({ field, reason: 'is required' });
    return undefined;
  }
  const v = String(value).normalize('NFC').trim();
  if (!TEXT.test(v)) problems.push({ field, reason: 'must be 1–200 printable characters' });
  return v;
}

/** Validates the details a partner gives, answering every problem at once. */
export function validateDetails(input: VerificationDetails): VerificationDetails {
  const problems: FieldIssue[] = [];
  const legal_name = cleanText('legal_name', input.legal_name, problems);
  const registration_number = cleanText('registration_number', input.registration_number, problems, input.entity_type === 'company');
  const country = String(input.country ?? '').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) problems.push({ field: 'country', reason: 'must be an ISO 3166-1 alpha-2 country code' });
  let authorisation: VerificationDetails['authorisation'];
  if (input.authorisation) {
    const regulator = cleanText('authorisation.regulator', input.authorisation.regulator, problems);
    const licence = cleanText('authorisation.licence_number', input.authorisation.licence_number, problems);
    if (regulator && licence) authorisation = { regulator, licence_number: licence };
  }
  const people: Person[] = [];
  (input.people ?? []).forEach((p, i) => {
    const name = cleanText(`people[${i}].name`, p.name, problems);
    if (p.date_of_birth !== undefined && (!DATE.test(p.date_of_birth) || Number.isNaN(Date.parse(p.date_of_birth))))
      problems.push({ field: `people[${i}].date_of_birth`, reason: 'must be a date YYYY-MM-DD' });
    if (p.nationality !== undefined && !/^[A-Z]{2}$/.test(p.nationality)) problems.push({ field: `people[${i}].nationality`, reason: 'must be an ISO 3166-1 alpha-2 country code' });
    if (name) people.push({ name, role: p.role, ...(p.date_of_birth ? { date_of_birth: p.date_of_birth } : {}), ...(p.nationality ? { nationality: p.nationality } : {}) });
  });
  if (people.length === 0 && (input.people ?? []).length === 0) problems.push({ field: 'people', reason: 'name at least the owner (an individual) or one owner or director (a company)' });
  if (problems.length) throw validationFailed(problems);
  return { legal_name: legal_name!, entity_type: input.entity_type, ...(registration_number ? { registration_number } : {}), country, ...(authorisation ? { authorisation } : {}), people };
}

async function moved(tx: Sql, partnerId: string, from: VerificationStatus, to: VerificationStatus, who: Actor, reason: string | null, extra: Record<string, unknown> = {}) {
  await appendEvents(tx, [{ type: 'partner.verification_changed', subjectType: 'partner', subjectId: partnerId, data: { partner_id: partnerId, from, to, reason, ...extra } }]);
  await recordAudit(tx, {
    actor: who.actor,
    action: `partner.verification.${to}`,
    subject: { type: 'partner', id: partnerId },
    before: { status: from },
    after: { status: to, reason, ...extra },
    ip: who.ip,
  });
}

/** Saves the partner's details (any status but submitted and approved: those are under review or done). */
export async function saveDetails(tx: Sql, partnerId: string, details: VerificationDetails, who: Actor): Promise<void> {
  const row = await lockRow(tx, partnerId);
  if (row.status === 'submitted' || row.status === 'approved')
    throw new AppError(409, 'verification_status', `The verification is ${row.status}; details can change only before submitting or after a rejection, a request for more or an expiry.`);
  await tx.query(`UPDATE partner_verifications SET details_sealed = $2, entity_type = $3, country = $4, updated_at = now() WHERE partner_id = $1`, [
    partnerId, encrypt(JSON.stringify(details)), details.entity_type, details.country,
  ]);
  // The values are personal: the audit names the fields, not what they hold.
  await recordAudit(tx, { actor: who.actor, action: 'partner.verification.details', subject: { type: 'partner', id: partnerId }, after: { fields: Object.keys(details), entity_type: details.entity_type, country: details.country }, ip: who.ip });
}

/** The partner submits for review: details given, and an ID document (plus company documents for a company). */
export async function submitVerification(tx: Sql, partnerId: string, who: Actor): Promise<void> {
  const row = await lockRow(tx, partnerId);
  if (!['not_started', 'more_requested', 'rejected', 'expired'].includes(row.status))
    throw new AppError(409, 'verification_status', `The verification is ${row.status}; it can be submitted when not started, after a rejection, a request for more, or an expiry.`);
  const problems: FieldIssue[] = [];
  if (!row.details_sealed) problems.push({ field: 'details', reason: 'fill in the details first (PUT …/verification)' });
  const details = row.details_sealed ? (JSON.parse(decrypt(row.details_sealed)) as VerificationDetails) : undefined;
  const kinds = new Set((await tx.query<{ kind: string }>('SELECT DISTINCT kind FROM partner_documents WHERE partner_id = $1', [partnerId])).map((d) => d.kind));
  if (!kinds.has('id')) problems.push({ field: 'documents', reason: 'upload an identity document (kind "id")' });
  if (details?.entity_type === 'company' && !kinds.has('company')) problems.push({ field: 'documents', reason: 'upload the company documents (kind "company")' });
  if (problems.length) throw validationFailed(problems, 'The verification cannot be submitted yet; see details.');
  await tx.query(`UPDATE partner_verifications SET status = 'submitted', submitted_at = now(), requested = NULL, reason = NULL, updated_at = now() WHERE partner_id = $1`, [partnerId]);
  await moved(tx, partnerId, row.status, 'submitted', who, null);
}

export type ReviewAction = 'approve' | 'reject' | 'request_more';

/** Compliance staff decide on a submitted verification. Rejecting and asking for more need a reason. */
export async function reviewVerification(tx: Sql, partnerId: string, action: ReviewAction, reason: string | undefined, who: Actor, today: string): Promise<void> {
  const row = await lockRow(tx, partnerId);
  if (row.status !== 'submitted') throw new AppError(409, 'verification_status', `The verification is ${row.status}; only a submitted verification can be reviewed.`);
  const why = reason?.normalize('NFC').trim();
  if (action !== 'approve' && (!why || !TEXT.test(why))) throw validationFailed([{ field: 'reason', reason: 'is required (1–200 printable characters) to reject or ask for more' }]);
  if (action === 'approve') {
    const [doc] = await tx.query<{ expires_on: string | null }>('SELECT min(expires_on)::text AS expires_on FROM partner_documents WHERE partner_id = $1 AND expires_on IS NOT NULL', [partnerId]);
    const expires = doc?.expires_on ?? null;
    if (expires && expires <= today) throw new AppError(409, 'document_expired', `A document expired on ${expires}; ask for a current one instead.`);
    await tx.query(
      `UPDATE partner_verifications SET status = 'approved', reviewed_at = now(), reviewed_by = $2, reason = NULL, requested = NULL, expires_on = $3, approved_on = coalesce(approved_on, $4::date), updated_at = now() WHERE partner_id = $1`,
      [partnerId, who.actor, expires, today],
    );
    await moved(tx, partnerId, row.status, 'approved', who, null, { expires_on: expires });
    await queueEmail(tx, who.publicUrl, partnerId, 'verification_approved', {});
    return;
  }
  const to: VerificationStatus = action === 'reject' ? 'rejected' : 'more_requested';
  await tx.query(
    `UPDATE partner_verifications SET status = $2, reviewed_at = now(), reviewed_by = $3, reason = $4, requested = $5, updated_at = now() WHERE partner_id = $1`,
    [partnerId, to, who.actor, action === 'reject' ? why : null, action === 'request_more' ? why : null],
  );
  await moved(tx, partnerId, row.status, to, who, why!);
  await queueEmail(tx, who.publicUrl, partnerId, action === 'reject' ? 'verification_rejected' : 'verification_requested', { reason: why! });
}

/**
 * Approved verifications whose earliest document expiry is within noticeDays of today become
 * expired: the partner is asked (event, email) to verify again, and payout gates hold until it has.
 */
export async function expireVerifications(tx: Sql, today: string, noticeDays: number, publicUrl: string): Promise<string[]> {
  const rows = await tx.query<{ partner_id: string; expires_on: string }>(
    `SELECT partner_id, expires_on::text AS expires_on FROM partner_verifications
     WHERE status = 'approved' AND expires_on IS NOT NULL AND expires_on <= $1::date + $2::int ORDER BY partner_id FOR UPDATE SKIP LOCKED`,
    [today, noticeDays],
  );
  for (const r of rows) {
    const reason = `a document expires on ${r.expires_on}; upload a current one and submit again`;
    await tx.query(`UPDATE partner_verifications SET status = 'expired', requested = $2, updated_at = now() WHERE partner_id = $1`, [r.partner_id, reason]);
    await moved(tx, r.partner_id, 'approved', 'expired', { actor: 'system', publicUrl }, reason, { expires_on: r.expires_on });
    await queueEmail(tx, publicUrl, r.partner_id, 'verification_requested', { reason });
  }
  return rows.map((r) => r.partner_id);
}
