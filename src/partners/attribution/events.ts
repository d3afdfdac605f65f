import type { Sql } from '../../db/index.ts';
import type { NewEvent } from '../../events/outbox.ts';
import { ancestorChains } from '../tree.ts';
import type { Ownership } from './store.ts';

/**
 * customer.attributed for new ownership periods: the owner with its affiliate_id and its whole
 * ancestor chain as the tree stands now (level 1 = the owner's parent), so a CRM or the commission
 * engine needs no second lookup.
 */
export async function attributedEvents(tx: Sql, rows: Ownership[], type = 'customer.attributed', extra: (row: Ownership) => Record<string, unknown> = () => ({})): Promise<NewEvent[]> {
  if (rows.length === 0) return [];
  const partnerIds = [...new Set(rows.map((r) => r.partner_id))];
  const chains = await ancestorChains(tx, partnerIds);
  const affiliates = new Map(
    (await tx.query<{ partner_id: string; affiliate_id: string }>('SELECT partner_id, affiliate_id FROM partners WHERE partner_id = ANY($1::text[])', [partnerIds])).map(
      (p) => [p.partner_id, p.affiliate_id],
    ),
  );
  return rows.map((r) => ({
    type,
    subjectType: 'customer',
    subjectId: r.customer_id,
    data: {
      customer_id: r.customer_id,
      partner_id: r.partner_id,
      affiliate_id: affiliates.get(r.partner_id) ?? null,
      ancestors: chains.get(r.partner_id) ?? [],
      source: r.source,
      effective_from: r.effective_from,
      click_id: r.click_id,
      link_id: r.link_id,
      campaign_id: r.campaign_id,
      sub_id: r.sub_id,
      self_referral: r.self_referral,
      ...extra(r),
    },
  }));
}
