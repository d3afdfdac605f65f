import { recordAudit } from '../audit/record.ts';
import type { Sql } from '../db/index.ts';
import { AppError, notFound, validationFailed } from '../shared/errors.ts';
import { queueEmail } from './email/outbox.ts';
import type { Actor } from './verification.ts';

/*
 * Partner terms: versions per programme, each in one or more languages. A partner accepts the
 * current (highest) version of its programme; a new version needs a new acceptance before the next
 * payout where the programme gates on terms.
 */

export interface TermsView {
  terms_id: string;
  programme_id: string;
  version: number;
  language: string;
  title: string;
  body: string;
  published_by: string;
  published_at: string;
}

const COLUMNS = 'terms_id, programme_id, version, language, title, body, published_by, published_at';

export async function listTerms(db: Sql, programmeId?: string): Promise<TermsView[]> {
  return db.query<TermsView>(`SELECT ${COLUMNS} FROM partner_terms WHERE ($1::text IS NULL OR programme_id = $1) ORDER BY programme_id, version DESC, language`, [programmeId ?? null]);
}

export async function publishTerms(
  tx: Sql,
  input: { programme_id: string; version?: number; language: string; title: string; body: string },
  who: Actor,
): Promise<TermsView> {
  const [programme] = await tx.query('SELECT 1 FROM compliance_programmes WHERE programme_id = $1 FOR UPDATE', [input.programme_id]);
  if (!programme) throw validationFailed([{ field: 'programme_id', reason: 'no programme with this id' }]);
  const [latest] = await tx.query<{ v: number | null }>('SELECT max(version) AS v FROM partner_terms WHERE programme_id = $1', [input.programme_id]);
  const current = latest?.v ?? 0;
  const version = input.version ?? current + 1;
  // A translation of the current version may be added; a version older than it may not be made up later.
  if (version < current) throw validationFailed([{ field: 'version', reason: `must be ${current} (a translation of the current version) or above` }]);
  const [dup] = await tx.query('SELECT 1 FROM partner_terms WHERE programme_id = $1 AND version = $2 AND language = $3', [input.programme_id, version, input.language]);
  if (dup) throw new AppError(409, 'terms_exist', `Version ${version} in ${input.language} is already published; published terms never change: publish a new version.`);
  const [row] = await tx.query<TermsView>(
    `INSERT INTO partner_terms (programme_id, version, language, title, body, published_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [input.programme_id, version, input.language, input.title, input.body, who.actor],
  );
  await recordAudit(tx, { actor: who.actor, action: 'terms.publish', subject: { type: 'partner_terms', id: row.terms_id }, after: { programme_id: row.programme_id, version, language: row.language, title: row.title }, ip: who.ip });
  if (version > current) {
    // Everyone in the programme is asked to accept the new version (once, whichever language came first).
    const partners = await tx.query<{ partner_id: string }>(`SELECT partner_id FROM partners WHERE programme_id = $1 AND terminated_on IS NULL AND status <> 'suspended'`, [input.programme_id]);
    for (const p of partners) await queueEmail(tx, who.publicUrl, p.partner_id, 'terms_to_accept', { version: String(version) });
  }
  return row;
}

export interface PartnerTerms {
  programme_id: string;
  current: TermsView | null;
  accepted_version: number | null;
  accepted_at: string | null;
  needs_acceptance: boolean;
}

/** The current terms of the partner's programme in its language (English, then any, when not translated), and what it accepted. */
export async function partnerTerms(db: Sql, partnerId: string): Promise<PartnerTerms> {
  const [p] = await db.query<{ programme_id: string; language: string }>('SELECT programme_id, language FROM partners WHERE partner_id = $1', [partnerId]);
  if (!p) throw notFound('Partner');
  const [current] = await db.query<TermsView>(
    `SELECT ${COLUMNS} FROM partner_terms WHERE programme_id = $1 AND version = (SELECT max(version) FROM partner_terms WHERE programme_id = $1)
     ORDER BY (language = $2) DESC, (language = 'en') DESC, language LIMIT 1`,
    [p.programme_id, p.language],
  );
  const [acc] = await db.query<{ version: number; accepted_at: string }>(
    'SELECT version, accepted_at FROM partner_terms_acceptances WHERE partner_id = $1 AND programme_id = $2 ORDER BY version DESC LIMIT 1',
    [partnerId, p.programme_id],
  );
  return {
    programme_id: p.programme_id,
    current: current ?? null,
    accepted_version: acc?.version ?? null,
    accepted_at: acc?.accepted_at ?? null,
    needs_acceptance: current !== undefined && (acc?.version ?? 0) < current.version,
  };
}

/** Records the partner's acceptance of a version: it must be the current one (accepting an outdated or unknown version is refused). */
export async function acceptTerms(tx: Sql, partnerId: string, version: number, who: Actor): Promise<PartnerTerms> {
  const terms = await partnerTerms(tx, partnerId);
  if (!terms.current) throw new AppError(409, 'no_terms', 'The broker has not published terms for this programme.');
  if (version !== terms.current.version)
    throw new AppError(409, 'terms_outdated', `Version ${version} is not the current terms; accept version ${terms.current.version}.`, [{ field: 'version', reason: `must be ${terms.current.version}` }]);
  const inserted = await tx.query(
    `INSERT INTO partner_terms_acceptances (partner_id, programme_id, version, language, accepted_by, ip) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1`,
    [partnerId, terms.programme_id, version, terms.current.language, who.actor, who.ip ?? null],
  );
  if (inserted.length)
    await recordAudit(tx, { actor: who.actor, action: 'terms.accept', subject: { type: 'partner', id: partnerId }, after: { programme_id: terms.programme_id, version, language: terms.current.language }, ip: who.ip });
  return partnerTerms(tx, partnerId);
}
