import { recordAudit } from '../audit/record.ts';
import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { AppError } from '../shared/errors.ts';
import { decrypt, encrypt } from '../shared/keyring.ts';

/*
 * Where a partner's commission is paid. Sealed by the key ring at rest; answered in full to the
 * partner itself and to the broker, masked (last four characters) on statements and in the audit
 * log. A change is a classic fraud signal, so it is audited and emits partner.payout_details_changed.
 */

export const PAYOUT_METHODS = ['bank_transfer', 'crypto_wallet', 'e_wallet', 'other'] as const;
export type PayoutMethod = (typeof PAYOUT_METHODS)[number];

export interface PayoutDetails {
  method: PayoutMethod;
  details: Record<string, string>;
}

interface FieldRule {
  name: string;
  required: boolean;
  pattern?: RegExp;
  reason?: string;
  /** Shown masked on statements. */
  sensitive?: boolean;
}

const TEXT = /^[^\u0000-\u001f\u007f]{1,200}$/u;

/** The fields each method takes; anything else is refused. */
export const METHOD_FIELDS: Record<PayoutMethod, FieldRule[]> = {
  bank_transfer: [
    { name: 'account_holder', required: true },
    { name: 'iban', required: false, pattern: /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/, reason: 'must be an IBAN: country code, check digits, 11–30 letters or digits, no spaces', sensitive: true },
    { name: 'account_number', required: false, pattern: /^[A-Za-z0-9-]{4,34}$/, reason: 'must be 4–34 letters, digits or dashes', sensitive: true },
    { name: 'swift_bic', required: true, pattern: /^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/, reason: 'must be a SWIFT/BIC code of 8 or 11 characters' },
    { name: 'bank_name', required: false },
    { name: 'bank_country', required: false, pattern: /^[A-Z]{2}$/, reason: 'must be an ISO 3166-1 alpha-2 country code' },
  ],
  crypto_wallet: [
    { name: 'network', required: true, pattern: /^[A-Za-z0-9 _-]{2,40}$/, reason: 'must name the network, e.g. TRC20, ERC20, bitcoin' },
    { name: 'address', required: true, pattern: /^[A-Za-z0-9:_-]{20,128}$/, reason: 'must be a wallet address of 20–128 letters and digits', sensitive: true },
    { name: 'memo', required: false },
  ],
  e_wallet: [
    { name: 'provider', required: true, pattern: /^[A-Za-z0-9 ._-]{2,60}$/, reason: 'must name the provider, e.g. Skrill, Neteller' },
    { name: 'account', required: true, sensitive: true },
  ],
  other: [{ name: 'instructions', required: true, sensitive: true }],
};

/** Validates a body, answering every problem at once (422 with details). */
export function validatePayoutDetails(body: { method: string; details: Record<string, unknown> }): PayoutDetails {
  const method = body.method as PayoutMethod;
  const rules = METHOD_FIELDS[method];
  if (!rules) throw new AppError(422, 'validation_failed', 'Unknown payout method.', [{ field: 'method', reason: `must be one of ${PAYOUT_METHODS.join(', ')}` }]);
  const problems: { field: string; reason: string }[] = [];
  const details: Record<string, string> = {};
  for (const [key, value] of Object.entries(body.details ?? {})) {
    const rule = rules.find((r) => r.name === key);
    if (!rule) {
      problems.push({ field: `details.${key}`, reason: `is not a field of ${method} (allowed: ${rules.map((r) => r.name).join(', ')})` });
      continue;
    }
    if (typeof value !== 'string') {
      problems.push({ field: `details.${key}`, reason: 'must be a string' });
      continue;
    }
    const v = rule.name === 'iban' || rule.name === 'swift_bic' || rule.name === 'bank_country' ? value.replace(/\s+/g, '').toUpperCase() : value.trim();
    if (!TEXT.test(v)) problems.push({ field: `details.${key}`, reason: 'must be 1–200 printable characters' });
    else if (rule.pattern && !rule.pattern.test(v)) problems.push({ field: `details.${key}`, reason: rule.reason ?? 'is malformed' });
    else details[key] = v;
  }
  for (const r of rules) if (r.required && body.details?.[r.name] === undefined) problems.push({ field: `details.${r.name}`, reason: 'is required' });
  if (method === 'bank_transfer' && body.details?.iban === undefined && body.details?.account_number === undefined)
    problems.push({ field: 'details.iban', reason: 'give an IBAN or an account_number' });
  if (problems.length) throw new AppError(422, 'validation_failed', `The payout details are invalid: ${problems.length} problem(s); see details.`, problems);
  return { method, details };
}

const last4 = (v: string) => (v.length <= 4 ? '•'.repeat(v.length) : `••••${v.slice(-4)}`);

/** The details with every sensitive field reduced to its last four characters. */
export function maskPayoutDetails(p: PayoutDetails): PayoutDetails {
  const rules = METHOD_FIELDS[p.method];
  return {
    method: p.method,
    details: Object.fromEntries(Object.entries(p.details).map(([k, v]) => [k, rules.find((r) => r.name === k)?.sensitive ? last4(v) : v])),
  };
}

/** Masked details on one line, for statements: "bank_transfer: iban ****1234, bank_name Example Bank". */
export function payoutDetailsLine(p: PayoutDetails | null | undefined): string {
  if (!p) return 'not set';
  const fields = Object.entries(maskPayoutDetails(p).details).map(([k, v]) => `${k} ${v}`);
  return fields.length ? `${p.method}: ${fields.join(', ')}` : p.method;
}

export interface StoredPayoutDetails extends PayoutDetails {
  partner_id: string;
  updated_at: string;
  updated_by: string;
}

export async function getPayoutDetails(db: Sql, partnerId: string): Promise<StoredPayoutDetails | undefined> {
  const [row] = await db.query<{ partner_id: string; method: PayoutMethod; details_sealed: string; updated_at: string; updated_by: string }>(
    'SELECT partner_id, method, details_sealed, updated_at, updated_by FROM partner_payout_details WHERE partner_id = $1',
    [partnerId],
  );
  if (!row) return undefined;
  return { partner_id: row.partner_id, method: row.method, details: JSON.parse(decrypt(row.details_sealed)), updated_at: row.updated_at, updated_by: row.updated_by };
}

/** Sets a partner's payout details (validated by the caller); audits before → after masked and emits the change. */
export async function setPayoutDetails(
  tx: Sql,
  partnerId: string,
  input: PayoutDetails,
  by: { actor: string; ip?: string },
): Promise<{ stored: StoredPayoutDetails; changed: boolean }> {
  await tx.query('SELECT 1 FROM partners WHERE partner_id = $1 FOR NO KEY UPDATE', [partnerId]);
  const before = await getPayoutDetails(tx, partnerId);
  const same = before && before.method === input.method && JSON.stringify(sorted(before.details)) === JSON.stringify(sorted(input.details));
  if (before && same) return { stored: before, changed: false };
  const [row] = await tx.query<{ updated_at: string }>(
    `INSERT INTO partner_payout_details (partner_id, method, details_sealed, updated_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (partner_id) DO UPDATE SET method = EXCLUDED.method, details_sealed = EXCLUDED.details_sealed,
       updated_by = EXCLUDED.updated_by, updated_at = now()
     RETURNING updated_at`,
    [partnerId, input.method, encrypt(JSON.stringify(input.details)), by.actor],
  );
  const masked = maskPayoutDetails(input);
  await recordAudit(tx, {
    actor: by.actor,
    action: 'partner.payout_details.set',
    subject: { type: 'partner', id: partnerId },
    before: before ? maskPayoutDetails(before) : null,
    after: masked,
    ip: by.ip,
  });
  await appendEvents(tx, [
    {
      type: 'partner.payout_details_changed',
      subjectType: 'partner',
      subjectId: partnerId,
      data: { partner_id: partnerId, method: input.method, previous_method: before?.method ?? null, first_time: !before, changed_by: by.actor },
    },
  ]);
  return { stored: { partner_id: partnerId, ...input, updated_at: row.updated_at, updated_by: by.actor }, changed: true };
}

function sorted(o: Record<string, string>) {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
