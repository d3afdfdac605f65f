import { createHash } from 'node:crypto';
import type { Sql } from '../../db/index.ts';
import { appendEvents } from '../../events/outbox.ts';
import { AppError } from '../../shared/errors.ts';
import { dbNow } from '../attribution/attribute.ts';
import { recordConflicts } from '../attribution/conflicts.ts';
import { attributedEvents } from '../attribution/events.ts';
import type { AttributionPolicy } from '../attribution/policy.ts';
import { reassignCustomer } from '../attribution/reassign.ts';
import { pairKey, selfReferrals } from '../attribution/self-referral.ts';
import { type Claim, insertFirstOwners, latestOwners, lockCustomers } from '../attribution/store.ts';
import { createPartner } from '../partners.ts';
import { identityOf, PROVIDER } from './identities.ts';

export interface InviteWebhook {
  invitedUserId: number;
  partnerUserId: number;
  brokerPartnerId?: string;
  brokerName: string;
}

export const BROKER_RESULTS = ['ATTRIBUTED_NEW', 'ATTRIBUTED', 'PENDING_ATTRIBUTION', 'REATTRIBUTED'] as const;
export type BrokerResult = (typeof BROKER_RESULTS)[number];

export interface InviteAnswer {
  brokerPartnerId: string;
  brokerResult: BrokerResult;
}

// cTrader sends invites one at a time and seldom; one lock keeps a partner user from being
// created twice by two concurrent webhooks.
const INVITE_LOCK = 727_301;

const requestKey = (w: InviteWebhook) =>
  createHash('sha256')
    .update(JSON.stringify([w.invitedUserId, w.partnerUserId, w.brokerPartnerId ?? null, w.brokerName]))
    .digest('hex');

/** The partner behind a cTrader partner user: known identity → brokerPartnerId → a new partner. */
async function partnerFor(tx: Sql, w: InviteWebhook, maxLevels: number): Promise<{ partnerId: string; affiliateId: string; status: string; created: boolean }> {
  const link = (partnerId: string) =>
    tx.query(
      `INSERT INTO external_identities (provider, kind, external_id, partner_id) VALUES ($1, 'partner', $2, $3) ON CONFLICT DO NOTHING`,
      [PROVIDER, String(w.partnerUserId), partnerId],
    );
  const known = await identityOf(tx, 'partner', w.partnerUserId);
  const byAffiliate = !known && w.brokerPartnerId
    ? (await tx.query<{ partner_id: string }>('SELECT partner_id FROM partners WHERE affiliate_id = $1', [w.brokerPartnerId]))[0]?.partner_id
    : undefined;
  const existingId = known ?? byAffiliate;
  if (existingId) {
    if (!known) await link(existingId);
    const [p] = await tx.query<{ affiliate_id: string; status: string }>('SELECT affiliate_id, status FROM partners WHERE partner_id = $1', [existingId]);
    return { partnerId: existingId, affiliateId: p.affiliate_id, status: p.status, created: false };
  }
  const partner = await createPartner(tx, {
    name: `cTrader partner ${w.partnerUserId}`,
    affiliateId: w.brokerPartnerId,
    status: 'active',
    createdBy: 'ctrader-invite',
    maxLevels,
  });
  await link(partner.partner_id);
  return { partnerId: partner.partner_id, affiliateId: partner.affiliate_id, status: partner.status, created: true };
}

/**
 * Handles one cTrader Invite webhook (docs.spotware.com/cTrader_Invite/API_Calls):
 * ATTRIBUTED_NEW — the partner user was new to the broker: a partner was created, its id returned
 *   (when the trader's customer record is not known yet, it is attributed as soon as it arrives);
 * ATTRIBUTED — a known partner now owns (or already owned) the trader;
 * PENDING_ATTRIBUTION — the trader's customer record is not known yet (or the move waits for review);
 * REATTRIBUTED — the trader moved from another partner to this one.
 * A trader another partner owns is handled by the `reattribution` policy: `review` stores a
 * conflict for a person to decide (PENDING_ATTRIBUTION); `move` moves it at once (REATTRIBUTED;
 * inside the owner's guaranteed period it goes to review); `keep` leaves it with its owner and
 * answers ATTRIBUTED with that owner's brokerPartnerId, so cTrader shows the partner who is paid.
 * The same webhook sent again gets the answer it got the first time, and changes nothing.
 */
export type ReattributionPolicy = 'review' | 'move' | 'keep';

export async function handleInvite(
  tx: Sql,
  w: InviteWebhook,
  opts: { policy: AttributionPolicy; maxLevels: number; reattribution?: ReattributionPolicy },
): Promise<InviteAnswer> {
  const reattribution = opts.reattribution ?? 'review';
  await tx.query('SELECT pg_advisory_xact_lock($1)', [INVITE_LOCK]);
  const key = requestKey(w);
  const [replay] = await tx.query<{ response: InviteAnswer }>('SELECT response FROM ctrader_invites WHERE request_key = $1', [key]);
  if (replay) return replay.response;

  const partner = await partnerFor(tx, w, opts.maxLevels);
  const customerId = await identityOf(tx, 'customer', w.invitedUserId);
  const exists = customerId ? (await lockCustomers(tx, [customerId])).has(customerId) : false;
  const claim: Claim = { partnerId: partner.partnerId, source: 'ctrader_invite', reason: `cTrader Invite by user ${w.partnerUserId}` };

  let result: BrokerResult = 'PENDING_ATTRIBUTION';
  let status: 'pending' | 'attributed' | 'conflict' | 'kept' = 'pending';
  let answeredPartner = partner.affiliateId;
  const review = async (owner: string) => {
    await recordConflicts(tx, [
      { customerId: customerId!, currentPartnerId: owner, claim, details: { source: 'ctrader_invite', invited_user_id: w.invitedUserId, partner_user_id: w.partnerUserId } },
    ]);
    status = 'conflict';
  };
  if (customerId && exists && partner.status === 'active') {
    const owner = (await latestOwners(tx, [customerId])).get(customerId);
    if (!owner) {
      const flags = await selfReferrals(tx, [{ customerId, partnerId: partner.partnerId }]);
      const rows = await insertFirstOwners(tx, [
        { customerId, from: await dbNow(tx), claim, selfReferral: flags.get(pairKey(customerId, partner.partnerId)) ?? null, createdBy: 'ctrader-invite' },
      ]);
      await appendEvents(tx, await attributedEvents(tx, rows));
      [result, status] = [partner.created ? 'ATTRIBUTED_NEW' : 'ATTRIBUTED', 'attributed'];
    } else if (owner.partner_id === partner.partnerId) {
      [result, status] = ['ATTRIBUTED', 'attributed'];
    } else if (reattribution === 'keep') {
      const [kept] = await tx.query<{ affiliate_id: string }>('SELECT affiliate_id FROM partners WHERE partner_id = $1', [owner.partner_id]);
      [result, status, answeredPartner] = ['ATTRIBUTED', 'kept', kept.affiliate_id];
    } else if (reattribution === 'review') {
      await review(owner.partner_id);
    } else {
      try {
        await reassignCustomer(tx, { customerId, partnerId: partner.partnerId, reason: claim.reason as string, by: 'ctrader-invite', policy: opts.policy, source: 'ctrader_invite' });
        [result, status] = ['REATTRIBUTED', 'attributed'];
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'guaranteed_attribution_period') throw err;
        // Still inside the current owner's guaranteed period: a person decides.
        await review(owner.partner_id);
      }
    }
  }
  // A partner user seen for the first time gets its new brokerPartnerId with ATTRIBUTED_NEW, the
  // answer cTrader stores it from, even while the trader waits for its customer record (the
  // attribution is applied when that record arrives, as for PENDING_ATTRIBUTION).
  if (partner.created && status === 'pending') result = 'ATTRIBUTED_NEW';
  const answer: InviteAnswer = { brokerPartnerId: answeredPartner, brokerResult: result };
  await tx.query(
    `INSERT INTO ctrader_invites (invited_user_id, partner_user_id, broker_partner_id, broker_name, request_key, partner_id, customer_id, status, response, resolved_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, CASE WHEN $8 = 'pending' THEN NULL ELSE now() END)`,
    [w.invitedUserId, w.partnerUserId, w.brokerPartnerId ?? null, w.brokerName, key, partner.partnerId, exists ? customerId : null, status, JSON.stringify(answer)],
  );
  return answer;
}
