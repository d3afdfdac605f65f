import type { Sql } from '../db/index.ts';
import { openCustomerPii } from '../ingest/customer-pii.ts';
import { AppError } from '../shared/errors.ts';
import { emailHashCandidates } from '../shared/keyring.ts';
import { looksLikeClickId, readClickId } from './links/click-id.ts';
import { createLink, LINK_COLUMNS, type Link } from './links/links.ts';
import { loadLinkKeys } from './links/secret.ts';
import { createPartner, type NewPartner, type Partner, requirePartner } from './partners.ts';

/**
 * The partner a sign-up was recruited by: a click id from a recruit link, or a recruit link's
 * code, or a partner's referral code. Only active partners recruit.
 */
export async function recruiterOf(tx: Sql, token: string): Promise<string> {
  const refuse = () =>
    new AppError(422, 'validation_failed', 'The recruit link or code is not valid (unknown, disabled, or its partner is not active).', [
      { field: 'recruit_code', reason: 'is not a valid recruit link or partner code' },
    ]);
  if (looksLikeClickId(token)) {
    const click = readClickId((await loadLinkKeys(tx)).clickId, token);
    if (!click) throw refuse();
    const [row] = await tx.query<{ partner_id: string }>(
      `SELECT l.partner_id FROM links l JOIN partners p ON p.partner_id = l.partner_id
       WHERE l.seq = $1 AND l.kind = 'recruit' AND p.status = 'active'`,
      [click.linkSeq],
    );
    if (!row) throw refuse();
    return row.partner_id;
  }
  const [row] = await tx.query<{ partner_id: string }>(
    `SELECT l.partner_id FROM links l JOIN partners p ON p.partner_id = l.partner_id
     WHERE lower(l.code) = lower($1) AND l.kind = 'recruit' AND l.status = 'active' AND p.status = 'active'
     UNION ALL
     SELECT partner_id FROM partners WHERE lower(referral_code) = lower($1) AND status = 'active'
     LIMIT 1`,
    [token],
  );
  if (!row) throw refuse();
  return row.partner_id;
}

export interface SignUp extends Omit<NewPartner, 'parentId' | 'status'> {
  /** Click id or code of the recruit link the applicant came through. */
  recruitCode?: string;
  /** The invite link created for the new partner leads here. */
  destinationUrl?: string;
  status: 'pending' | 'active';
}

/**
 * Creates a partner from a sign-up, under its recruiter when it came through a recruit link, with a
 * ready invite link when the broker has a destination for it.
 */
export async function signUpPartner(tx: Sql, input: SignUp): Promise<{ partner: Partner; link: Link | null }> {
  const parentId = input.recruitCode ? await recruiterOf(tx, input.recruitCode) : null;
  if (input.email) {
    const [dup] = await tx.query(`SELECT 1 FROM partners WHERE email_hash = ANY($1::text[]) AND status <> 'suspended'`, [emailHashCandidates(input.email)]);
    if (dup) throw new AppError(409, 'already_signed_up', 'A partner with this email already exists; sign in or contact the broker.');
  }
  const partner = await createPartner(tx, { ...input, parentId });
  const link = input.destinationUrl ? await createLink(tx, { partnerId: partner.partner_id, destinationUrl: input.destinationUrl, label: 'Invite link' }) : null;
  return { partner, link };
}

/**
 * Turns an existing trader into an IB in one call: a partner linked to the customer, named and
 * placed from the customer's record unless told otherwise, with a ready invite link. Asking again
 * for the same customer answers the partner made the first time.
 */
export async function becomePartner(
  tx: Sql,
  customerId: string,
  input: Omit<SignUp, 'customerId' | 'name' | 'status'> & { name?: string; parentId?: string | null },
): Promise<{ partner: Partner; link: Link | null; created: boolean }> {
  const [customer] = await tx.query<{ first_name: string | null; last_name: string | null; email: string | null; country_code: string | null }>(
    'SELECT first_name, last_name, email, country_code FROM customers WHERE customer_id = $1 FOR NO KEY UPDATE',
    [customerId],
  );
  if (!customer) throw new AppError(404, 'not_found', 'No customer with this id.');
  openCustomerPii(customer);
  const [existing] = await tx.query<{ partner_id: string }>('SELECT partner_id FROM partners WHERE customer_id = $1', [customerId]);
  if (existing) {
    const [link] = await tx.query<Link>(
      `SELECT ${LINK_COLUMNS} FROM links WHERE partner_id = $1 AND kind = 'client' AND status = 'active' ORDER BY seq LIMIT 1`,
      [existing.partner_id],
    );
    return { partner: await requirePartner(tx, existing.partner_id), link: link ?? null, created: false };
  }
  const name = input.name ?? ([customer.first_name, customer.last_name].filter(Boolean).join(' ') || `Customer ${customerId}`);
  const partner = await createPartner(tx, {
    ...input,
    name,
    email: input.email ?? customer.email,
    country: input.country ?? customer.country_code,
    customerId,
    parentId: input.parentId ?? null,
    status: 'active',
  });
  const link = input.destinationUrl ? await createLink(tx, { partnerId: partner.partner_id, destinationUrl: input.destinationUrl, label: 'Invite link' }) : null;
  return { partner, link, created: true };
}
