import { recordAudit } from '../audit/record.ts';
import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { setPartnerStatus } from '../partners/partners.ts';
import { AppError } from '../shared/errors.ts';
import type { Actor } from './verification.ts';

/*
 * The public affiliate register (CySEC Circular C217): approved partners with their country and
 * since when, and terminated ones with until when. A partner appears by name only with its consent;
 * without it the entry reads "Partner <affiliate id>".
 */

export interface RegisterEntry {
  name: string;
  country: string | null;
  since: string;
  until: string | null;
  status: 'current' | 'terminated';
}

export async function registerEntries(db: Sql): Promise<RegisterEntry[]> {
  return db.query<RegisterEntry>(
    `SELECT CASE WHEN p.register_consent THEN p.name ELSE 'Partner ' || p.affiliate_id END AS name, p.country::text AS country,
            v.approved_on::text AS since, p.terminated_on::text AS until,
            CASE WHEN p.terminated_on IS NULL THEN 'current' ELSE 'terminated' END AS status
     FROM partners p JOIN partner_verifications v ON v.partner_id = p.partner_id
     WHERE v.approved_on IS NOT NULL AND (p.terminated_on IS NOT NULL OR v.status = 'approved')
     ORDER BY (p.terminated_on IS NOT NULL), v.approved_on, p.seq`,
  );
}

export async function setRegisterConsent(tx: Sql, partnerId: string, consent: boolean): Promise<void> {
  await tx.query('UPDATE partners SET register_consent = $2, updated_at = now() WHERE partner_id = $1', [partnerId, consent]);
}

/** Ends the relationship: suspended, with its end date, which the register shows. */
export async function terminatePartner(tx: Sql, partnerId: string, on: string, reason: string, who: Actor): Promise<void> {
  const [row] = await tx.query<{ terminated_on: string | null }>('SELECT terminated_on::text AS terminated_on FROM partners WHERE partner_id = $1 FOR NO KEY UPDATE', [partnerId]);
  if (row?.terminated_on) throw new AppError(409, 'already_terminated', `The partner was terminated on ${row.terminated_on}.`);
  await setPartnerStatus(tx, partnerId, 'suspended', `terminated: ${reason}`, who.actor);
  await tx.query('UPDATE partners SET terminated_on = $2, termination_reason = $3, updated_at = now() WHERE partner_id = $1', [partnerId, on, reason]);
  await appendEvents(tx, [{ type: 'partner.terminated', subjectType: 'partner', subjectId: partnerId, data: { partner_id: partnerId, terminated_on: on, reason } }]);
  await recordAudit(tx, { actor: who.actor, action: 'partner.terminate', subject: { type: 'partner', id: partnerId }, after: { terminated_on: on, reason }, ip: who.ip });
}
