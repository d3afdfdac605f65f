import { recordAudit } from '../audit/record.ts';
import type { Sql } from '../db/index.ts';
import { validationFailed } from '../shared/errors.ts';
import type { Actor } from './verification.ts';

export interface Programme {
  programme_id: string;
  name: string;
  require_verification: boolean;
  require_terms: boolean;
  require_tax_form: boolean;
  partners: number;
}

const SELECT = `SELECT g.programme_id, g.name, g.require_verification, g.require_terms, g.require_tax_form,
  (SELECT count(*)::int FROM partners p WHERE p.programme_id = g.programme_id) AS partners FROM compliance_programmes g`;

export function listProgrammes(db: Sql): Promise<Programme[]> {
  return db.query<Programme>(`${SELECT} ORDER BY g.programme_id`);
}

export async function upsertProgramme(
  tx: Sql,
  id: string,
  input: { name: string; require_verification: boolean; require_terms: boolean; require_tax_form: boolean },
  who: Actor,
): Promise<Programme> {
  const [before] = await tx.query<Programme>(`${SELECT} WHERE g.programme_id = $1`, [id]);
  await tx.query(
    `INSERT INTO compliance_programmes (programme_id, name, require_verification, require_terms, require_tax_form) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (programme_id) DO UPDATE SET name = excluded.name, require_verification = excluded.require_verification,
       require_terms = excluded.require_terms, require_tax_form = excluded.require_tax_form, updated_at = now()`,
    [id, input.name.trim(), input.require_verification, input.require_terms, input.require_tax_form],
  );
  const [after] = await tx.query<Programme>(`${SELECT} WHERE g.programme_id = $1`, [id]);
  await recordAudit(tx, { actor: who.actor, action: 'programme.set', subject: { type: 'programme', id }, before, after, ip: who.ip });
  return after;
}

export async function setPartnerProgramme(tx: Sql, partnerId: string, programmeId: string, who: Actor): Promise<void> {
  const [g] = await tx.query('SELECT 1 FROM compliance_programmes WHERE programme_id = $1', [programmeId]);
  if (!g) throw validationFailed([{ field: 'programme_id', reason: 'no programme with this id' }]);
  const [before] = await tx.query<{ programme_id: string }>('SELECT programme_id FROM partners WHERE partner_id = $1 FOR NO KEY UPDATE', [partnerId]);
  await tx.query('UPDATE partners SET programme_id = $2, updated_at = now() WHERE partner_id = $1', [partnerId, programmeId]);
  await recordAudit(tx, { actor: who.actor, action: 'partner.programme', subject: { type: 'partner', id: partnerId }, before, after: { programme_id: programmeId }, ip: who.ip });
}
