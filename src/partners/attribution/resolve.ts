import type { Sql } from '../../db/index.ts';
import { looksLikeClickId, readClickId } from '../links/click-id.ts';
import { loadLinkKeys } from '../links/secret.ts';
import { type AttributionPolicy, DAY_MS } from './policy.ts';
import type { Claim } from './store.ts';

/** The tracking fields of a customer record that can point at a partner. */
export interface ClaimInput {
  customerId: string;
  signupDate: string;
  /** A click id from a tracking link, or a code the trader typed (a link code or a partner's referral code). */
  clickId: string | null;
  affiliateId: string | null;
  campaignId: string | null;
}

// Clocks of the CRM and of OpenIB differ a little: a click "after" registration by less is fine.
const CLOCK_SKEW_MS = 5 * 60_000;

interface LinkTarget {
  seq: number;
  link_id: string;
  code: string;
  partner_id: string;
  campaign_id: string | null;
}

/**
 * Resolves who each customer's tracking fields point at, in the documented order: a click id
 * (valid within the click window before signup) → a link code or partner referral code →
 * affiliate_id → nobody. Claims for partners that are not active are not valid. Set-based: one
 * query per kind of lookup, whatever the batch size.
 */
export async function resolveClaims(tx: Sql, inputs: ClaimInput[], policy: AttributionPolicy): Promise<Map<string, Claim>> {
  const claims = new Map<string, Claim>();
  const withClick = inputs.filter((i) => i.clickId);
  const withAffiliate = inputs.filter((i) => i.affiliateId);
  if (withClick.length === 0 && withAffiliate.length === 0) return claims;

  // 1. Signed click ids.
  const clicks = new Map<string, { linkSeq: number }>();
  if (withClick.some((i) => looksLikeClickId(i.clickId as string))) {
    const keys = await loadLinkKeys(tx);
    for (const input of withClick) {
      const content = readClickId(keys.clickId, input.clickId as string);
      if (!content) continue;
      const signup = Date.parse(input.signupDate);
      const age = signup - content.clickedAt.getTime();
      if (age < -CLOCK_SKEW_MS || age > policy.clickWindowDays * DAY_MS) continue;
      clicks.set(input.customerId, { linkSeq: content.linkSeq });
    }
  }
  const linksBySeq = new Map<number, LinkTarget>();
  const subIds = new Map<string, string | null>();
  if (clicks.size) {
    const seqs = [...new Set([...clicks.values()].map((c) => c.linkSeq))];
    for (const l of await tx.query<LinkTarget>(
      `SELECT l.seq, l.link_id, l.code, l.partner_id, l.campaign_id FROM links l JOIN partners p ON p.partner_id = l.partner_id
       WHERE l.seq = ANY($1::bigint[]) AND p.status = 'active'`,
      [seqs],
    ))
      linksBySeq.set(l.seq, l);
    const ids = withClick.filter((i) => clicks.has(i.customerId)).map((i) => i.clickId as string);
    for (const c of await tx.query<{ click_id: string; sub_id: string | null }>('SELECT click_id, sub_id FROM clicks WHERE click_id = ANY($1::text[])', [ids]))
      subIds.set(c.click_id, c.sub_id);
  }

  // 2. Codes typed by the trader (anything in click_id that is not a click id).
  const codes = [...new Set(withClick.filter((i) => !looksLikeClickId(i.clickId as string)).map((i) => (i.clickId as string).toLowerCase()))];
  const linksByCode = new Map<string, LinkTarget>();
  const partnersByCode = new Map<string, string>();
  if (codes.length) {
    for (const l of await tx.query<LinkTarget>(
      `SELECT l.seq, l.link_id, l.code, l.partner_id, l.campaign_id FROM links l JOIN partners p ON p.partner_id = l.partner_id
       WHERE lower(l.code) = ANY($1::text[]) AND l.status = 'active' AND p.status = 'active'`,
      [codes],
    ))
      linksByCode.set(l.code.toLowerCase(), l);
    for (const p of await tx.query<{ partner_id: string; code: string }>(
      `SELECT partner_id, lower(referral_code) AS code FROM partners WHERE lower(referral_code) = ANY($1::text[]) AND status = 'active'`,
      [codes],
    ))
      partnersByCode.set(p.code, p.partner_id);
  }

  // 3. affiliate_id as the broker's CRM knows the partner.
  const partnersByAffiliate = new Map<string, string>();
  if (withAffiliate.length)
    for (const p of await tx.query<{ partner_id: string; affiliate_id: string }>(
      `SELECT partner_id, affiliate_id FROM partners WHERE affiliate_id = ANY($1::text[]) AND status = 'active'`,
      [[...new Set(withAffiliate.map((i) => i.affiliateId as string))]],
    ))
      partnersByAffiliate.set(p.affiliate_id, p.partner_id);

  for (const input of inputs) {
    const click = clicks.get(input.customerId);
    const clickLink = click ? linksBySeq.get(click.linkSeq) : undefined;
    if (clickLink) {
      claims.set(input.customerId, {
        partnerId: clickLink.partner_id,
        source: 'click',
        clickId: input.clickId,
        linkId: clickLink.link_id,
        campaignId: input.campaignId ?? clickLink.campaign_id,
        subId: subIds.get(input.clickId as string) ?? null,
      });
      continue;
    }
    const code = input.clickId && !looksLikeClickId(input.clickId) ? input.clickId.toLowerCase() : undefined;
    const codeLink = code ? linksByCode.get(code) : undefined;
    if (codeLink) {
      claims.set(input.customerId, {
        partnerId: codeLink.partner_id,
        source: 'link_code',
        linkId: codeLink.link_id,
        campaignId: input.campaignId ?? codeLink.campaign_id,
      });
      continue;
    }
    const codePartner = code ? partnersByCode.get(code) : undefined;
    if (codePartner) {
      claims.set(input.customerId, { partnerId: codePartner, source: 'partner_code', campaignId: input.campaignId });
      continue;
    }
    const affiliatePartner = input.affiliateId ? partnersByAffiliate.get(input.affiliateId) : undefined;
    if (affiliatePartner) claims.set(input.customerId, { partnerId: affiliatePartner, source: 'affiliate_id', campaignId: input.campaignId });
  }
  return claims;
}
