import type { Sql } from '../../db/index.ts';
import { appendEvents } from '../../events/outbox.ts';
import { type FieldIssue, validationFailed } from '../../shared/errors.ts';
import { dbNow } from '../attribution/attribute.ts';
import { type ConflictInput, recordConflicts } from '../attribution/conflicts.ts';
import { attributedEvents } from '../attribution/events.ts';
import { pairKey, selfReferrals } from '../attribution/self-referral.ts';
import { insertFirstOwners, latestOwners, lockCustomers, type NewOwnership } from '../attribution/store.ts';
import { markInvites, pendingInviteClaims } from './pending.ts';

export const PROVIDER = 'ctrader';

export interface IdentityInput {
  user_id: number;
  customer_id?: string;
  partner_id?: string;
}

export interface IdentityOutcome {
  index: number;
  user_id: number;
  kind: 'customer' | 'partner';
  outcome: 'created' | 'unchanged';
}

/**
 * Records which cTrader user (cTID user id) is which customer or partner. A user already mapped to
 * someone else is refused: the mapping is an identity, not a preference. A customer may be mapped
 * before its record arrives; mapping an existing customer settles the invites waiting for it.
 */
export async function linkIdentities(tx: Sql, inputs: IdentityInput[]): Promise<IdentityOutcome[]> {
  const issues: FieldIssue[] = [];
  inputs.forEach((r, index) => {
    if (Boolean(r.customer_id) === Boolean(r.partner_id)) issues.push({ index, field: 'customer_id', reason: 'give exactly one of customer_id or partner_id' });
  });
  if (issues.length) throw validationFailed(issues);
  const kind = (r: IdentityInput) => (r.customer_id ? 'customer' : 'partner');
  const target = (r: IdentityInput) => (r.customer_id ?? r.partner_id) as string;

  const existing = await tx.query<{ kind: string; external_id: string; target: string }>(
    `SELECT kind, external_id, coalesce(customer_id, partner_id) AS target FROM external_identities
     WHERE provider = $1 AND (external_id = ANY($2::text[]) OR customer_id = ANY($3::text[]) OR partner_id = ANY($4::text[]))`,
    [PROVIDER, inputs.map((r) => String(r.user_id)), inputs.flatMap((r) => r.customer_id ?? []), inputs.flatMap((r) => r.partner_id ?? [])],
  );
  const known = await tx.query<{ kind: string; id: string }>(`SELECT 'partner' AS kind, partner_id AS id FROM partners WHERE partner_id = ANY($1::text[])`, [
    inputs.flatMap((r) => r.partner_id ?? []),
  ]);
  const outcomes: IdentityOutcome[] = [];
  const fresh: IdentityInput[] = [];
  for (const [index, r] of inputs.entries()) {
    const k = kind(r);
    const field = k === 'customer' ? 'customer_id' : 'partner_id';
    const byUser = existing.find((e) => e.kind === k && e.external_id === String(r.user_id));
    const byTarget = existing.find((e) => e.kind === k && e.target === target(r));
    if (k === 'partner' && !known.some((x) => x.id === target(r))) issues.push({ index, field, reason: `no partner "${target(r)}"` });
    else if (byUser && byUser.target !== target(r)) issues.push({ index, field: 'user_id', reason: `cTrader user ${r.user_id} is already ${k} "${byUser.target}"` });
    else if (byTarget && byTarget.external_id !== String(r.user_id))
      issues.push({ index, field, reason: `${k} "${target(r)}" is already cTrader user ${byTarget.external_id}` });
    else {
      outcomes.push({ index, user_id: r.user_id, kind: k, outcome: byUser ? 'unchanged' : 'created' });
      if (!byUser) fresh.push(r);
    }
  }
  if (issues.length) throw validationFailed(issues);
  if (fresh.length)
    await tx.query(
      `INSERT INTO external_identities (provider, kind, external_id, customer_id, partner_id)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
      [PROVIDER, fresh.map(kind), fresh.map((r) => String(r.user_id)), fresh.map((r) => r.customer_id ?? null), fresh.map((r) => r.partner_id ?? null)],
    );
  await settlePendingInvites(tx, fresh.flatMap((r) => r.customer_id ?? []));
  return outcomes;
}

/**
 * Invites that were waiting for a customer who now exists: the invite's partner becomes the owner
 * from now if the customer has none; a customer owned by someone else gets a conflict for review.
 */
export async function settlePendingInvites(tx: Sql, customerIds: string[]): Promise<void> {
  const invites = await pendingInviteClaims(tx, customerIds);
  if (invites.size === 0) return;
  const present = await lockCustomers(tx, [...invites.keys()]);
  for (const id of invites.keys()) if (!present.has(id)) invites.delete(id);
  const owners = await latestOwners(tx, [...present]);
  const now = await dbNow(tx);
  const firsts: NewOwnership[] = [];
  const conflicts: ConflictInput[] = [];
  const outcomes = new Map<number, { status: 'attributed' | 'conflict'; customerId: string }>();
  for (const [customerId, invite] of invites) {
    const owner = owners.get(customerId);
    if (!owner) firsts.push({ customerId, from: now, claim: invite.claim, selfReferral: null, createdBy: null });
    else if (owner.partner_id !== invite.claim.partnerId)
      conflicts.push({ customerId, currentPartnerId: owner.partner_id, claim: invite.claim, details: { source: 'ctrader_invite', invited_user_id: invite.invitedUserId } });
    outcomes.set(invite.seq, { status: owner && owner.partner_id !== invite.claim.partnerId ? 'conflict' : 'attributed', customerId });
  }
  const flags = await selfReferrals(tx, firsts.map((f) => ({ customerId: f.customerId, partnerId: f.claim.partnerId })));
  for (const f of firsts) f.selfReferral = flags.get(pairKey(f.customerId, f.claim.partnerId)) ?? null;
  await appendEvents(tx, await attributedEvents(tx, await insertFirstOwners(tx, firsts)));
  await recordConflicts(tx, conflicts);
  await markInvites(tx, outcomes);
}

export async function identityOf(tx: Sql, kind: 'customer' | 'partner', userId: number): Promise<string | undefined> {
  const [row] = await tx.query<{ id: string }>(
    `SELECT coalesce(customer_id, partner_id) AS id FROM external_identities WHERE provider = $1 AND kind = $2 AND external_id = $3`,
    [PROVIDER, kind, String(userId)],
  );
  return row?.id;
}
