import type { Sql } from '../../db/index.ts';
import type { Claim } from '../attribution/store.ts';

export interface PendingInvite {
  seq: number;
  invitedUserId: number;
  claim: Claim;
}

/**
 * cTrader Invite webhooks that arrived before the trader's customer record: for each of these
 * customers, the latest such invite (by an active partner) of the cTrader user mapped to it.
 */
export async function pendingInviteClaims(tx: Sql, customerIds: string[]): Promise<Map<string, PendingInvite>> {
  if (customerIds.length === 0) return new Map();
  const rows = await tx.query<{ customer_id: string; seq: number; invited_user_id: number; partner_id: string }>(
    `SELECT DISTINCT ON (i.customer_id) i.customer_id, v.seq, v.invited_user_id, v.partner_id
     FROM external_identities i
     JOIN ctrader_invites v ON v.status = 'pending'
       AND v.invited_user_id = (CASE WHEN i.external_id ~ '^[0-9]{1,18}$' THEN i.external_id::bigint END)
     JOIN partners p ON p.partner_id = v.partner_id AND p.status = 'active'
     WHERE i.provider = 'ctrader' AND i.kind = 'customer' AND i.customer_id = ANY($1::text[])
     ORDER BY i.customer_id, v.seq DESC`,
    [customerIds],
  );
  return new Map(
    rows.map((r) => [
      r.customer_id,
      { seq: r.seq, invitedUserId: r.invited_user_id, claim: { partnerId: r.partner_id, source: 'ctrader_invite', reason: 'cTrader Invite' } },
    ]),
  );
}

/**
 * Records what became of pending invites (attributed, or stored as a conflict); older pending
 * invites of the same cTrader user are superseded by the one that was used.
 */
export async function markInvites(tx: Sql, outcomes: Map<number, { status: 'attributed' | 'conflict'; customerId: string }>): Promise<void> {
  if (outcomes.size === 0) return;
  const seqs = [...outcomes.keys()];
  await tx.query(
    `UPDATE ctrader_invites v SET status = x.status, customer_id = x.customer_id, resolved_at = now()
     FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(seq, status, customer_id) WHERE v.seq = x.seq`,
    [seqs, seqs.map((s) => outcomes.get(s)?.status), seqs.map((s) => outcomes.get(s)?.customerId)],
  );
  await tx.query(
    `UPDATE ctrader_invites o SET status = 'superseded', resolved_at = now()
     FROM ctrader_invites v WHERE v.seq = ANY($1::bigint[]) AND o.invited_user_id = v.invited_user_id AND o.status = 'pending' AND o.seq < v.seq`,
    [seqs],
  );
}
