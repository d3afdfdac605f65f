import type { Sql } from '../../db/index.ts';
import { appendEvents } from '../../events/outbox.ts';
import { AppError } from '../../shared/errors.ts';
import { dbNow } from './attribute.ts';
import { attributedEvents } from './events.ts';
import { type AttributionPolicy, DAY_MS } from './policy.ts';
import { pairKey, selfReferrals } from './self-referral.ts';
import { assignFrom, lockCustomers, OWNERSHIP_COLUMNS, type Ownership, type Source } from './store.ts';

export interface ReassignInput {
  customerId: string;
  partnerId: string;
  /** Defaults to now; a past instant re-credits activity since then, a future one schedules the change. */
  effectiveFrom?: string;
  reason: string;
  /** Overrides the guaranteed attribution period. */
  force?: boolean;
  by: string | null;
  policy: AttributionPolicy;
  source?: Source;
}

export interface ReassignResult {
  changed: boolean;
  previous_partner_id: string | null;
  ownership: Ownership | null;
}

const addDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY_MS).toISOString();

/**
 * Makes a partner the customer's owner from effective_from on. Earlier periods are kept, later
 * ones superseded, so at every instant there is still at most one owner. Inside the current
 * owner's guaranteed period the change is refused unless forced (with a reason, which is always
 * required and stored).
 */
export async function reassignCustomer(tx: Sql, input: ReassignInput): Promise<ReassignResult> {
  const { customerId, partnerId } = input;
  if (!(await lockCustomers(tx, [customerId])).has(customerId)) throw new AppError(404, 'not_found', 'No customer with this id.');
  const [partner] = await tx.query<{ status: string }>('SELECT status FROM partners WHERE partner_id = $1', [partnerId]);
  if (!partner) throw new AppError(422, 'validation_failed', 'The partner does not exist.', [{ field: 'partner_id', reason: `no partner "${partnerId}"` }]);
  if (partner.status !== 'active')
    throw new AppError(409, 'partner_not_active', `Partner ${partnerId} is ${partner.status}; only an active partner can take on clients.`);
  const now = await dbNow(tx);
  const from = input.effectiveFrom ?? now;

  const reaching = await tx.query<Ownership>(
    `SELECT ${OWNERSHIP_COLUMNS} FROM attributions
     WHERE customer_id = $1 AND superseded_at IS NULL AND (effective_to IS NULL OR effective_to > $2) ORDER BY effective_from`,
    [customerId, from],
  );
  const atFrom = reaching.find((r) => r.effective_from <= from) ?? null;
  const alreadyOwner = reaching.length === 1 && atFrom?.partner_id === partnerId && atFrom.effective_to === null;
  if (alreadyOwner) return { changed: false, previous_partner_id: partnerId, ownership: atFrom };

  const guaranteed = input.policy.guaranteedDays;
  if (guaranteed > 0 && !input.force) {
    for (const r of reaching) {
      if (r.partner_id === partnerId) continue;
      // The owner at `from` is guaranteed the customer until from + period; a later owner until now + period.
      const until = addDays(r.effective_from, guaranteed);
      const inside = r === atFrom ? from < until : now < until;
      if (inside)
        throw new AppError(
          409,
          'guaranteed_attribution_period',
          `Partner ${r.partner_id} is guaranteed this customer until ${until} (OPENIB_GUARANTEED_ATTRIBUTION_DAYS=${guaranteed}). Send "force": true with a reason to reassign anyway.`,
        );
    }
  }

  const flags = await selfReferrals(tx, [{ customerId, partnerId }]);
  const { inserted } = await assignFrom(tx, {
    customerId,
    from,
    claim: { partnerId, source: input.source ?? 'reassignment', reason: input.reason },
    selfReferral: flags.get(pairKey(customerId, partnerId)) ?? null,
    createdBy: input.by,
  });
  const previous = atFrom?.partner_id ?? null;
  await appendEvents(
    tx,
    await attributedEvents(tx, [inserted], 'customer.reassigned', () => ({
      previous_partner_id: previous,
      reason: input.reason,
      forced: Boolean(input.force),
      by: input.by,
    })),
  );
  return { changed: true, previous_partner_id: previous, ownership: inserted };
}
