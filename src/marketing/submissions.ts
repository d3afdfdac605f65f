import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/index.ts';
import { appendEvents } from '../events/outbox.ts';
import { AppError } from '../shared/errors.ts';
import type { UploadedFile } from './files.ts';

export const SUBMISSION_KINDS = ['url', 'screenshot', 'file'] as const;
export type SubmissionKind = (typeof SUBMISSION_KINDS)[number];
export const SUBMISSION_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

export interface Submission {
  submission_id: string;
  partner_id: string;
  kind: SubmissionKind;
  title: string;
  url: string | null;
  notes: string | null;
  file_name: string | null;
  content_type: string | null;
  file_size: number | null;
  file_sha256: string | null;
  status: SubmissionStatus;
  reason: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
  withdrawn_at: string | null;
  submitted_by: string | null;
  submitted_at: string;
}

export const SUBMISSION_COLUMNS = `submission_id, partner_id, kind, title, url, notes, file_name, content_type, file_size, file_sha256, status, reason,
  reviewed_by, reviewed_at, withdrawn_at, submitted_by, submitted_at`;

/**
 * Which status each action reaches and from where: a pending promotion is approved or rejected by
 * the broker; the partner (or the broker) withdraws a pending or approved one, which ends its use.
 * A rejected or withdrawn promotion is final: the partner submits a new one.
 */
export const TRANSITIONS: Record<'approve' | 'reject' | 'withdraw', { to: SubmissionStatus; from: SubmissionStatus[] }> = {
  approve: { to: 'approved', from: ['pending'] },
  reject: { to: 'rejected', from: ['pending'] },
  withdraw: { to: 'withdrawn', from: ['pending', 'approved'] },
};

export async function createSubmission(
  tx: Sql,
  s: { partnerId: string; kind: SubmissionKind; title: string; url?: string; notes?: string; file?: UploadedFile; actor: string },
): Promise<Submission> {
  const id = `ms_${randomBytes(9).toString('base64url')}`;
  const [row] = await tx.query<Submission>(
    `INSERT INTO marketing_submissions (submission_id, partner_id, kind, title, url, notes, file_base64, file_name, content_type, file_size, file_sha256, submitted_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${SUBMISSION_COLUMNS}`,
    [id, s.partnerId, s.kind, s.title, s.url ?? null, s.notes ?? null, s.file?.base64 ?? null, s.file?.file_name ?? null, s.file?.content_type ?? null, s.file?.size ?? null, s.file?.sha256 ?? null, s.actor],
  );
  await tx.query('INSERT INTO marketing_submission_history (submission_id, status, actor) VALUES ($1, $2, $3)', [id, 'pending', s.actor]);
  await appendEvents(tx, [{ type: 'marketing.submission_changed', subjectType: 'marketing_submission', subjectId: id, data: { submission_id: id, partner_id: s.partnerId, status: 'pending' } }]);
  return row;
}

export async function getSubmission(db: Sql, id: string): Promise<Submission | undefined> {
  const [row] = await db.query<Submission>(`SELECT ${SUBMISSION_COLUMNS} FROM marketing_submissions WHERE submission_id = $1`, [id]);
  return row;
}

export async function submissionFile(db: Sql, id: string): Promise<{ base64: string; content_type: string; file_name: string } | undefined> {
  const [row] = await db.query<{ base64: string | null; content_type: string; file_name: string }>('SELECT file_base64 AS base64, content_type, file_name FROM marketing_submissions WHERE submission_id = $1', [id]);
  return row?.base64 ? { base64: row.base64, content_type: row.content_type, file_name: row.file_name } : undefined;
}

/** Moves a submission along TRANSITIONS (409 from any other status), with its history row and event. */
export async function transitionSubmission(tx: Sql, id: string, action: keyof typeof TRANSITIONS, actor: string, reason?: string): Promise<{ before: Submission; after: Submission }> {
  const [before] = await tx.query<Submission>(`SELECT ${SUBMISSION_COLUMNS} FROM marketing_submissions WHERE submission_id = $1 FOR UPDATE`, [id]);
  if (!before) throw new AppError(404, 'not_found', 'No marketing submission with this id.');
  const t = TRANSITIONS[action];
  if (!t.from.includes(before.status)) throw new AppError(409, 'invalid_transition', `A ${before.status} promotion cannot be ${t.to}; it must be ${t.from.join(' or ')}.`);
  const review = action === 'approve' || action === 'reject';
  const [after] = await tx.query<Submission>(
    `UPDATE marketing_submissions SET status = $2, reason = COALESCE($3, reason),
       reviewed_by = CASE WHEN $4 THEN $5 ELSE reviewed_by END, reviewed_at = CASE WHEN $4 THEN now() ELSE reviewed_at END,
       withdrawn_at = CASE WHEN $2 = 'withdrawn' THEN now() ELSE withdrawn_at END
     WHERE submission_id = $1 RETURNING ${SUBMISSION_COLUMNS}`,
    [id, t.to, reason ?? null, review, actor],
  );
  await tx.query('INSERT INTO marketing_submission_history (submission_id, status, reason, actor) VALUES ($1, $2, $3, $4)', [id, t.to, reason ?? null, actor]);
  await appendEvents(tx, [{ type: 'marketing.submission_changed', subjectType: 'marketing_submission', subjectId: id, data: { submission_id: id, partner_id: after.partner_id, status: t.to, reason: reason ?? null } }]);
  return { before, after };
}

/** Submissions for the list or the regulator's export, newest first. */
export async function listSubmissions(db: Sql, f: { partnerIds?: string[]; status?: string; from?: string; to?: string }): Promise<(Submission & { partner_name: string })[]> {
  return db.query<Submission & { partner_name: string }>(
    `SELECT ${SUBMISSION_COLUMNS.split(',').map((c) => `s.${c.trim()}`).join(', ')}, p.name AS partner_name
     FROM marketing_submissions s JOIN partners p ON p.partner_id = s.partner_id
     WHERE ($1::text[] IS NULL OR s.partner_id = ANY($1::text[])) AND ($2::text IS NULL OR s.status = $2)
       AND ($3::date IS NULL OR s.submitted_at >= $3::date) AND ($4::date IS NULL OR s.submitted_at < $4::date + 1)
     ORDER BY s.submitted_at DESC, s.submission_id LIMIT 10000`,
    [f.partnerIds ?? null, f.status ?? null, f.from ?? null, f.to ?? null],
  );
}

export async function submissionHistory(db: Sql, ids: string[]): Promise<{ submission_id: string; status: string; reason: string | null; actor: string | null; at: string }[]> {
  return db.query('SELECT submission_id, status, reason, actor, at FROM marketing_submission_history WHERE submission_id = ANY($1::text[]) ORDER BY id', [ids]);
}
