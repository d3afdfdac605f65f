import type { Sql } from '../db/index.ts';

export interface GateResult {
  /** Why the partner's statements are held, or null when every gate of its programme passes. */
  hold: string | null;
  /** The version of its programme's terms the partner accepted last (the terms in force for its statements). */
  termsVersion: number | null;
  missing: ('verification' | 'terms' | 'tax_form')[];
}

/**
 * The payout gates of each partner's programme: verification approved, the current terms version
 * accepted, a tax form on file. One query for all partners of a run.
 */
export async function payoutGates(db: Sql, partnerIds: string[]): Promise<Map<string, GateResult>> {
  const rows = await db.query<{
    partner_id: string; require_verification: boolean; require_terms: boolean; require_tax_form: boolean;
    verification: string | null; current_version: number | null; accepted_version: number | null; has_tax_form: boolean;
  }>(
    `SELECT p.partner_id, g.require_verification, g.require_terms, g.require_tax_form,
            v.status AS verification,
            (SELECT max(version) FROM partner_terms t WHERE t.programme_id = p.programme_id) AS current_version,
            (SELECT max(version) FROM partner_terms_acceptances a WHERE a.partner_id = p.partner_id AND a.programme_id = p.programme_id) AS accepted_version,
            EXISTS (SELECT 1 FROM partner_tax_forms f WHERE f.partner_id = p.partner_id) AS has_tax_form
     FROM partners p JOIN compliance_programmes g USING (programme_id) LEFT JOIN partner_verifications v ON v.partner_id = p.partner_id
     WHERE p.partner_id = ANY($1::text[])`,
    [partnerIds],
  );
  const out = new Map<string, GateResult>();
  for (const r of rows) {
    const reasons: string[] = [];
    const missing: GateResult['missing'] = [];
    if (r.require_verification && r.verification !== 'approved') {
      missing.push('verification');
      reasons.push(`verification is ${(r.verification ?? 'not_started').replace('_', ' ')}, not approved`);
    }
    if (r.require_terms && r.current_version !== null && (r.accepted_version ?? 0) < r.current_version) {
      missing.push('terms');
      reasons.push(`partner terms version ${r.current_version} not accepted`);
    }
    if (r.require_tax_form && !r.has_tax_form) {
      missing.push('tax_form');
      reasons.push('no tax form (W-9, W-8BEN or W-8BEN-E) on file');
    }
    out.set(r.partner_id, {
      hold: reasons.length ? `held for compliance: ${reasons.join('; ')}. Released on the next payout run once complete.` : null,
      termsVersion: r.accepted_version,
      missing,
    });
  }
  return out;
}
