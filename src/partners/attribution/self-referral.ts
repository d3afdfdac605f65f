import type { Sql } from '../../db/index.ts';

export type SelfReferral = 'same_customer' | 'same_email' | 'shared_login';

export const pairKey = (customerId: string, partnerId: string) => `${customerId}|${partnerId}`;

/**
 * Which (customer, partner) pairs look like the partner referring itself: the customer is the
 * partner's own trader record, has the partner's email (compared by keyed hash: both are sealed), or holds one of the partner's own logins.
 * Such attributions are applied and flagged; the commission plan decides whether they earn.
 */
export async function selfReferrals(tx: Sql, pairs: { customerId: string; partnerId: string }[]): Promise<Map<string, SelfReferral>> {
  if (pairs.length === 0) return new Map();
  const rows = await tx.query<{ customer_id: string; partner_id: string; reason: SelfReferral | null }>(
    `SELECT x.customer_id, x.partner_id,
       CASE
         WHEN p.customer_id = x.customer_id THEN 'same_customer'
         WHEN c.email_hash IS NOT NULL AND c.email_hash = p.email_hash THEN 'same_email'
         WHEN EXISTS (
           SELECT 1 FROM trading_accounts t JOIN partner_accounts a
             ON a.platform = t.platform AND a.server = t.server AND a.login = t.login
           WHERE t.customer_id = x.customer_id AND a.partner_id = x.partner_id) THEN 'shared_login'
       END AS reason
     FROM unnest($1::text[], $2::text[]) AS x(customer_id, partner_id)
     JOIN partners p ON p.partner_id = x.partner_id
     JOIN customers c ON c.customer_id = x.customer_id`,
    [pairs.map((p) => p.customerId), pairs.map((p) => p.partnerId)],
  );
  return new Map(rows.filter((r) => r.reason).map((r) => [pairKey(r.customer_id, r.partner_id), r.reason as SelfReferral]));
}
