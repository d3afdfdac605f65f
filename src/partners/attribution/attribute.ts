import type { Sql } from '../../db/index.ts';
import { appendEvents } from '../../events/outbox.ts';
import type { CustomerChange } from '../../ingest/customers.ts';
import { markInvites, pendingInviteClaims } from '../ctrader/pending.ts';
import { type ConflictInput, recordConflicts } from './conflicts.ts';
import { attributedEvents } from './events.ts';
import { attributionPolicy } from './policy.ts';
import { type ClaimInput, resolveClaims } from './resolve.ts';
import { pairKey, selfReferrals } from './self-referral.ts';
import { type Claim, insertFirstOwners, latestOwners, lockCustomers, type NewOwnership } from './store.ts';

const TRACKING_FIELDS = ['affiliate_id', 'click_id'];

/** The database clock to the millisecond: effective times compare the same in SQL and JavaScript. */
export async function dbNow(tx: Sql): Promise<string> {
  const [{ now }] = await tx.query<{ now: string }>(`SELECT date_trunc('milliseconds', now()) AS now`);
  return now;
}

/**
 * Attributes customers the data API has just created or whose tracking fields changed, in the
 * same transaction. A new customer's first valid claim makes its owner from signup; a customer who
 * had no owner gets one from now; a claim pointing elsewhere than the current owner is stored as a
 * conflict for review and changes nothing. Unattributed customers stay unattributed (their
 * customer.registered event already went out, with no partner).
 */
export async function attributeCustomers(tx: Sql, changes: CustomerChange[]): Promise<void> {
  const relevant = changes.filter((ch) => ch.outcome === 'created' || ch.changed.some((c) => TRACKING_FIELDS.includes(c)));
  if (relevant.length === 0) return;
  const created = relevant.filter((ch) => ch.outcome === 'created').map((ch) => ch.customerId);
  // On an update only the fields that changed make a new claim; an unchanged field was judged before.
  const inputs: ClaimInput[] = relevant.map((ch) => {
    const isNew = ch.outcome === 'created';
    const field = (name: 'click_id' | 'affiliate_id') => (isNew || ch.changed.includes(name) ? ch.after[name] || null : null);
    return {
      customerId: ch.customerId,
      signupDate: ch.after.signup_date as string,
      clickId: field('click_id'),
      affiliateId: field('affiliate_id'),
      campaignId: ch.after.campaign_id || null,
    };
  });
  const claims = await resolveClaims(tx, inputs, attributionPolicy());
  const invites = await pendingInviteClaims(tx, created);
  if (claims.size === 0 && invites.size === 0) return;

  const ids = [...new Set([...claims.keys(), ...invites.keys()])];
  await lockCustomers(tx, ids);
  const owners = await latestOwners(tx, ids);
  const now = await dbNow(tx);
  const signups = new Map(relevant.map((ch) => [ch.customerId, ch.after.signup_date as string]));
  const byCustomer = new Map(inputs.map((i) => [i.customerId, i]));
  const createdSet = new Set(created);

  const firsts: NewOwnership[] = [];
  const conflicts: ConflictInput[] = [];
  const inviteOutcome = new Map<number, { status: 'attributed' | 'conflict'; customerId: string }>();
  for (const customerId of ids) {
    const invite = invites.get(customerId);
    const claim = claims.get(customerId);
    const owner = owners.get(customerId);
    const winner: Claim | undefined = owner ? undefined : (invite?.claim ?? claim);
    if (winner) firsts.push({ customerId, from: createdSet.has(customerId) ? (signups.get(customerId) as string) : now, claim: winner, selfReferral: null, createdBy: null });
    const ownerPartner = owner?.partner_id ?? winner?.partnerId;
    if (invite) inviteOutcome.set(invite.seq, { status: ownerPartner === invite.claim.partnerId ? 'attributed' : 'conflict', customerId });
    for (const c of [invite?.claim, claim]) {
      if (c && c !== winner && c.partnerId !== ownerPartner)
        conflicts.push({ customerId, currentPartnerId: ownerPartner ?? null, claim: c, details: claimDetails(c, byCustomer.get(customerId)) });
    }
  }

  const flags = await selfReferrals(tx, firsts.map((f) => ({ customerId: f.customerId, partnerId: f.claim.partnerId })));
  for (const f of firsts) f.selfReferral = flags.get(pairKey(f.customerId, f.claim.partnerId)) ?? null;
  const inserted = await insertFirstOwners(tx, firsts);
  await appendEvents(tx, await attributedEvents(tx, inserted));
  await recordConflicts(tx, conflicts);
  await markInvites(tx, inviteOutcome);
}

/** What a conflicting claim was read from, for the reviewer. */
function claimDetails(claim: Claim, input: ClaimInput | undefined): Record<string, unknown> {
  return {
    source: claim.source,
    affiliate_id: claim.source === 'affiliate_id' ? input?.affiliateId : undefined,
    click_id: claim.source === 'ctrader_invite' || claim.source === 'affiliate_id' ? undefined : input?.clickId,
    link_id: claim.linkId ?? undefined,
  };
}

/**
 * When a partner becomes active or gains an affiliate_id: customers registered with that
 * affiliate_id before the partner existed in OpenIB (and owned by nobody) become its clients
 * from their signup. Brokers often load customers before partners.
 */
export async function attributeWaitingCustomers(tx: Sql, partner: { partner_id: string; affiliate_id: string }): Promise<number> {
  const waiting = await tx.query<{ customer_id: string; signup_date: string; campaign_id: string | null }>(
    `SELECT c.customer_id, c.signup_date, c.campaign_id FROM customers c
     WHERE c.affiliate_id = $1
       AND NOT EXISTS (SELECT 1 FROM attributions a WHERE a.customer_id = c.customer_id AND a.superseded_at IS NULL)
     ORDER BY c.customer_id FOR NO KEY UPDATE OF c`,
    [partner.affiliate_id],
  );
  if (waiting.length === 0) return 0;
  const flags = await selfReferrals(tx, waiting.map((w) => ({ customerId: w.customer_id, partnerId: partner.partner_id })));
  const inserted = await insertFirstOwners(
    tx,
    waiting.map((w) => ({
      customerId: w.customer_id,
      from: w.signup_date,
      claim: { partnerId: partner.partner_id, source: 'affiliate_id', campaignId: w.campaign_id },
      selfReferral: flags.get(pairKey(w.customer_id, partner.partner_id)) ?? null,
      createdBy: null,
    })),
  );
  await appendEvents(tx, await attributedEvents(tx, inserted));
  return inserted.length;
}
