import type { Sql } from '../../db/index.ts';
import { appendEvents } from '../../events/outbox.ts';
import { AppError } from '../../shared/errors.ts';
import type { AttributionPolicy } from './policy.ts';
import { reassignCustomer } from './reassign.ts';
import type { Claim } from './store.ts';

export interface ConflictInput {
  customerId: string;
  currentPartnerId: string | null;
  claim: Claim;
  /** What the claim was read from (source, the field values), stored for the reviewer. */
  details: Record<string, unknown>;
}

export interface Conflict {
  conflict_id: number;
  customer_id: string;
  current_partner_id: string | null;
  claimed_partner_id: string;
  source: string;
  claim: Record<string, unknown>;
  status: 'open' | 'accepted' | 'dismissed';
  detected_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution_reason: string | null;
}

export const CONFLICT_COLUMNS =
  'seq AS conflict_id, customer_id, current_partner_id, claimed_partner_id, source, claim, status, detected_at, resolved_at, resolved_by, resolution_reason';

/**
 * Stores claims that were not applied because the customer already has another owner, with an
 * attribution.conflict event each. The same claim still open is not stored twice.
 */
export async function recordConflicts(tx: Sql, conflicts: ConflictInput[]): Promise<Conflict[]> {
  if (conflicts.length === 0) return [];
  const rows = await tx.query<Conflict>(
    `INSERT INTO attribution_conflicts (customer_id, current_partner_id, claimed_partner_id, source, claim)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
     ON CONFLICT (customer_id, claimed_partner_id) WHERE status = 'open' DO NOTHING
     RETURNING ${CONFLICT_COLUMNS}`,
    [
      conflicts.map((c) => c.customerId),
      conflicts.map((c) => c.currentPartnerId),
      conflicts.map((c) => c.claim.partnerId),
      conflicts.map((c) => c.claim.source),
      conflicts.map((c) => JSON.stringify(c.details)),
    ],
  );
  const affiliates = new Map(
    (
      await tx.query<{ partner_id: string; affiliate_id: string }>('SELECT partner_id, affiliate_id FROM partners WHERE partner_id = ANY($1::text[])', [
        [...new Set(rows.flatMap((r) => [r.claimed_partner_id, r.current_partner_id ?? '']))],
      ])
    ).map((p) => [p.partner_id, p.affiliate_id]),
  );
  await appendEvents(
    tx,
    rows.map((r) => ({
      type: 'attribution.conflict',
      subjectType: 'customer',
      subjectId: r.customer_id,
      data: {
        conflict_id: r.conflict_id,
        customer_id: r.customer_id,
        current_partner_id: r.current_partner_id,
        current_affiliate_id: r.current_partner_id ? (affiliates.get(r.current_partner_id) ?? null) : null,
        claimed_partner_id: r.claimed_partner_id,
        claimed_affiliate_id: affiliates.get(r.claimed_partner_id) ?? null,
        source: r.source,
        claim: r.claim,
      },
    })),
  );
  return rows;
}

export interface Resolution {
  conflictId: number;
  action: 'accept' | 'dismiss';
  reason: string;
  effectiveFrom?: string;
  by: string | null;
  policy: AttributionPolicy;
}

/**
 * Closes an open conflict. Accepting it reassigns the customer to the claimant (from now unless
 * effective_from says otherwise; the reviewer's decision overrides the guaranteed period).
 */
export async function resolveConflict(tx: Sql, r: Resolution): Promise<Conflict> {
  const [conflict] = await tx.query<Conflict>(`SELECT ${CONFLICT_COLUMNS} FROM attribution_conflicts WHERE seq = $1 FOR UPDATE`, [r.conflictId]);
  if (!conflict) throw new AppError(404, 'not_found', 'No attribution conflict with this id.');
  if (conflict.status !== 'open') throw new AppError(409, 'conflict_closed', `This conflict was already ${conflict.status}.`);
  if (r.action === 'accept')
    await reassignCustomer(tx, {
      customerId: conflict.customer_id,
      partnerId: conflict.claimed_partner_id,
      effectiveFrom: r.effectiveFrom,
      reason: r.reason,
      force: true,
      by: r.by,
      policy: r.policy,
    });
  const [closed] = await tx.query<Conflict>(
    `UPDATE attribution_conflicts SET status = $2, resolved_at = now(), resolved_by = $3, resolution_reason = $4
     WHERE seq = $1 RETURNING ${CONFLICT_COLUMNS}`,
    [r.conflictId, r.action === 'accept' ? 'accepted' : 'dismissed', r.by, r.reason],
  );
  return closed;
}
