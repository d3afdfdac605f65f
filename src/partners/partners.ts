import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { AppError } from '../shared/errors.ts';
import { decryptPii, emailHash, encryptNullable } from '../shared/keyring.ts';
import { attributeWaitingCustomers } from './attribution/attribute.ts';
import { newAffiliateId, newPartnerId, newReferralCode } from './ids.ts';
import { type Login, replaceOwnAccounts } from './own-accounts.ts';
import { addNode, ancestorChains, deepestAllowed, lockTree, startParentHistory } from './tree.ts';
import { isUniqueViolation } from './validate.ts';

export const PARTNER_STATUSES = ['pending', 'active', 'suspended'] as const;
export type PartnerStatus = (typeof PARTNER_STATUSES)[number];

export interface Partner {
  partner_id: string;
  affiliate_id: string;
  referral_code: string;
  name: string;
  email: string | null;
  country: string | null;
  status: PartnerStatus;
  payout_currency: string;
  parent_id: string | null;
  depth: number;
  customer_id: string | null;
  own_accounts: Login[];
  created_at: string;
  updated_at: string;
}

export const PARTNER_COLUMNS = `p.partner_id, p.affiliate_id, p.referral_code, p.name, p.email, p.country, p.status,
  p.payout_currency, p.parent_id, p.depth, p.customer_id,
  coalesce((SELECT jsonb_agg(jsonb_build_object('platform', a.platform, 'server', a.server, 'login', a.login)
            ORDER BY a.platform, a.server, a.login) FROM partner_accounts a WHERE a.partner_id = p.partner_id), '[]'::jsonb) AS own_accounts,
  p.created_at, p.updated_at`;

/** What partner events carry: the partner without personal contact data. */
export function partnerEventData(p: Partner) {
  const { email: _email, own_accounts: _accounts, ...rest } = p;
  return rest;
}

/** Opens the partner's sealed email in place (docs/privacy.md). */
export function openPartner<T extends { email: string | null }>(row: T): T {
  row.email = decryptPii(row.email);
  return row;
}

export async function getPartner(db: Sql, partnerId: string): Promise<Partner | undefined> {
  const [row] = await db.query<Partner>(`SELECT ${PARTNER_COLUMNS} FROM partners p WHERE p.partner_id = $1`, [partnerId]);
  return row && openPartner(row);
}

/** Whether a partner has this partner_id (an affiliate id or referral code does not count). */
export async function partnerExists(db: Sql, partnerId: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [partnerId]);
  return rows.length > 0;
}

export async function requirePartner(db: Sql, partnerId: string): Promise<Partner> {
  const partner = await getPartner(db, partnerId);
  if (!partner) throw new AppError(404, 'not_found', 'No partner with this id.');
  return partner;
}

export interface NewPartner {
  name: string;
  email?: string | null;
  country?: string | null;
  payoutCurrency?: string;
  affiliateId?: string;
  referralCode?: string;
  parentId?: string | null;
  customerId?: string | null;
  status?: PartnerStatus;
  ownAccounts?: Login[];
  createdBy?: string;
  maxLevels: number;
}

/** Refuses values another partner already holds, naming the field, before anything is written. */
async function assertUnique(tx: Sql, input: Pick<NewPartner, 'affiliateId' | 'referralCode' | 'customerId'>, except?: string) {
  const [taken] = await tx.query<{ affiliate: boolean; code: boolean; customer: boolean }>(
    `SELECT
       EXISTS (SELECT 1 FROM partners WHERE affiliate_id = $1 AND partner_id IS DISTINCT FROM $4) AS affiliate,
       EXISTS (SELECT 1 FROM partners WHERE lower(referral_code) = lower($2) AND partner_id IS DISTINCT FROM $4) AS code,
       EXISTS (SELECT 1 FROM partners WHERE customer_id = $3 AND partner_id IS DISTINCT FROM $4) AS customer`,
    [input.affiliateId ?? null, input.referralCode ?? null, input.customerId ?? null, except ?? null],
  );
  if (taken.affiliate) throw new AppError(409, 'affiliate_id_taken', `Another partner already has affiliate_id "${input.affiliateId}".`);
  if (taken.code) throw new AppError(409, 'referral_code_taken', `Another partner already uses referral code "${input.referralCode}".`);
  if (taken.customer) throw new AppError(409, 'customer_already_partner', `Customer "${input.customerId}" is already linked to another partner.`);
  if (input.customerId) {
    const rows = await tx.query('SELECT 1 FROM customers WHERE customer_id = $1', [input.customerId]);
    if (!rows.length)
      throw new AppError(422, 'validation_failed', 'The customer does not exist.', [{ field: 'customer_id', reason: `no customer "${input.customerId}"; send it through the data API first` }]);
  }
}

/**
 * Creates a partner in the caller's transaction: the row, its place in the tree, its first parent
 * period and a partner.created event. Customers already registered with its affiliate_id and
 * still unattributed become its clients.
 */
export async function createPartner(tx: Sql, input: NewPartner): Promise<Partner> {
  const parentId = input.parentId ?? null;
  if (parentId !== null) {
    await lockTree(tx);
    const [parent] = await tx.query<{ depth: number }>('SELECT depth FROM partners WHERE partner_id = $1', [parentId]);
    if (!parent) throw new AppError(422, 'validation_failed', 'The parent partner does not exist.', [{ field: 'parent_id', reason: `no partner "${parentId}"` }]);
    if (parent.depth + 1 > deepestAllowed(input.maxLevels))
      throw new AppError(422, 'tree_too_deep', `The parent is already on level ${parent.depth + 1}; the tree may have at most ${input.maxLevels} levels (OPENIB_MAX_TREE_DEPTH).`, [
        { field: 'parent_id', reason: `a sub-IB here would be on level ${parent.depth + 2} of at most ${input.maxLevels}` },
      ]);
  }
  await assertUnique(tx, input);

  let partnerId: string | undefined;
  for (let attempt = 0; attempt < 5 && !partnerId; attempt++) {
    const id = newPartnerId();
    try {
      // A savepoint keeps the transaction usable if a generated value collides.
      await tx.query('SAVEPOINT new_partner');
      await tx.query(
        `INSERT INTO partners (partner_id, affiliate_id, referral_code, name, email, country, status, payout_currency, parent_id, depth, customer_id, email_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce((SELECT depth + 1 FROM partners WHERE partner_id = $9), 0), $10, $11)`,
        [
          id,
          input.affiliateId ?? newAffiliateId(),
          input.referralCode ?? newReferralCode(),
          input.name,
          encryptNullable(input.email),
          input.country ?? null,
          input.status ?? 'active',
          input.payoutCurrency ?? 'USD',
          parentId,
          input.customerId ?? null,
          emailHash(input.email),
        ],
      );
      await tx.query('RELEASE SAVEPOINT new_partner');
      partnerId = id;
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT new_partner');
      if (!isUniqueViolation(err)) throw err;
      // A value the caller chose was taken by a concurrent request: say so instead of retrying.
      if (input.affiliateId || input.referralCode || input.customerId) await assertUnique(tx, input);
    }
  }
  if (!partnerId) throw new AppError(503, 'try_again', 'Could not generate unique partner codes; try again.');

  await addNode(tx, partnerId, parentId);
  await startParentHistory(tx, partnerId, parentId, input.createdBy ?? null);
  if (input.ownAccounts?.length) await replaceOwnAccounts(tx, partnerId, input.ownAccounts);
  const partner = (await getPartner(tx, partnerId)) as Partner;
  const ancestors = (await ancestorChains(tx, [partnerId])).get(partnerId) ?? [];
  await appendEvents(tx, [
    { type: 'partner.created', subjectType: 'partner', subjectId: partnerId, data: { partner: partnerEventData(partner), ancestors } },
  ]);
  if (partner.status === 'active') await attributeWaitingCustomers(tx, partner);
  return partner;
}

export interface PartnerPatch {
  name?: string;
  email?: string | null;
  country?: string | null;
  payoutCurrency?: string;
  affiliateId?: string;
  referralCode?: string;
  customerId?: string | null;
  ownAccounts?: Login[];
}

const PATCH_COLUMNS: [keyof PartnerPatch, string][] = [
  ['name', 'name'],
  ['email', 'email'],
  ['country', 'country'],
  ['payoutCurrency', 'payout_currency'],
  ['affiliateId', 'affiliate_id'],
  ['referralCode', 'referral_code'],
  ['customerId', 'customer_id'],
];

/** Changes a partner's details; answers the partner and which fields changed (none: no event). */
export async function updatePartner(tx: Sql, partnerId: string, patch: PartnerPatch): Promise<{ partner: Partner; changed: string[] }> {
  const before = await tx.query<Partner>(`SELECT ${PARTNER_COLUMNS} FROM partners p WHERE p.partner_id = $1 FOR NO KEY UPDATE`, [partnerId]);
  if (!before[0]) throw new AppError(404, 'not_found', 'No partner with this id.');
  const current = openPartner(before[0]);
  await assertUnique(tx, { affiliateId: patch.affiliateId, referralCode: patch.referralCode, customerId: patch.customerId ?? undefined }, partnerId);
  const sets: string[] = [];
  const params: unknown[] = [partnerId];
  const changed: string[] = [];
  for (const [key, column] of PATCH_COLUMNS) {
    const value = patch[key];
    if (value === undefined || value === current[column as keyof Partner]) continue;
    if (column === 'email') {
      params.push(encryptNullable(value as string | null), emailHash(value as string | null));
      sets.push(`email = $${params.length - 1}`, `email_hash = $${params.length}`);
    } else {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    changed.push(column);
  }
  if (sets.length) await tx.query(`UPDATE partners SET ${sets.join(', ')}, updated_at = now() WHERE partner_id = $1`, params);
  if (patch.ownAccounts && (await replaceOwnAccounts(tx, partnerId, patch.ownAccounts))) changed.push('own_accounts');
  const partner = (await getPartner(tx, partnerId)) as Partner;
  if (changed.length) {
    await appendEvents(tx, [
      { type: 'partner.updated', subjectType: 'partner', subjectId: partnerId, data: { partner: partnerEventData(partner), changed: changed.filter((c) => c !== 'email') } },
    ]);
    if (changed.includes('affiliate_id') && partner.status === 'active') await attributeWaitingCustomers(tx, partner);
  }
  return { partner, changed };
}

const NEXT_STATUS: Record<PartnerStatus, readonly PartnerStatus[]> = {
  pending: ['active', 'suspended'],
  active: ['suspended'],
  suspended: ['active'],
};

/**
 * Approves, suspends or reinstates a partner. A suspended partner keeps its clients, but its links
 * lead to the broker's default page and new claims to it are not applied.
 */
export async function setPartnerStatus(tx: Sql, partnerId: string, status: PartnerStatus, reason: string | null, by?: string): Promise<{ partner: Partner; changed: boolean }> {
  const [row] = await tx.query<{ status: PartnerStatus }>('SELECT status FROM partners WHERE partner_id = $1 FOR NO KEY UPDATE', [partnerId]);
  if (!row) throw new AppError(404, 'not_found', 'No partner with this id.');
  if (row.status === status) return { partner: (await getPartner(tx, partnerId)) as Partner, changed: false };
  if (!NEXT_STATUS[row.status].includes(status))
    throw new AppError(409, 'invalid_status_change', `A ${row.status} partner cannot become ${status}.`);
  await tx.query('UPDATE partners SET status = $2, updated_at = now() WHERE partner_id = $1', [partnerId, status]);
  const partner = (await getPartner(tx, partnerId)) as Partner;
  await appendEvents(tx, [
    {
      type: 'partner.status_changed',
      subjectType: 'partner',
      subjectId: partnerId,
      data: { partner_id: partnerId, affiliate_id: partner.affiliate_id, from: row.status, to: status, reason, by: by ?? null },
    },
  ]);
  if (status === 'active') await attributeWaitingCustomers(tx, partner);
  return { partner, changed: true };
}
