import type { Sql } from '../db/index.ts';
import { withoutPersonalData } from './personal-data.ts';

export interface AuditRecord {
  /** The API client id, admin user or 'system' that acted. */
  actor: string;
  /** What was done, as area.verb: payout_run.create, statement.approve, … */
  action: string;
  subject: { type: string; id: string };
  before?: unknown;
  after?: unknown;
  ip?: string;
}

/**
 * Appends one action to the audit log, in the caller's transaction so it exists exactly when the change does.
 * Personal values in before/after (emails, phones, people's names) are stored as a marker with a keyed hash.
 */
export async function recordAudit(tx: Sql, r: AuditRecord): Promise<void> {
  const stored = (v: unknown) => (v === undefined ? null : JSON.stringify(withoutPersonalData(v, r.subject.type)));
  await tx.query(
    `INSERT INTO audit_log (actor, action, subject_type, subject_id, before, after, ip) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)`,
    [r.actor, r.action, r.subject.type, r.subject.id, stored(r.before), stored(r.after), r.ip ?? null],
  );
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  /** The acting login's or API client's name, when it still exists (read side only). */
  actor_name?: string | null;
  action: string;
  subject_type: string;
  subject_id: string;
  before: unknown;
  after: unknown;
  ip: string | null;
}

/** The actions recorded on one subject, oldest first. */
export function auditTrail(db: Sql, subjectType: string, subjectId: string): Promise<AuditEntry[]> {
  return db.query<AuditEntry>(
    `SELECT id, at, actor, action, subject_type, subject_id, before, after, ip FROM audit_log WHERE subject_type = $1 AND subject_id = $2 ORDER BY id`,
    [subjectType, subjectId],
  );
}
