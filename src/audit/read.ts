import type { Sql } from '../db/index.ts';
import { decodeCursor, encodeCursor, Filters } from '../shared/pagination.ts';
import type { AuditEntry } from './record.ts';

export interface AuditQuery {
  actor?: string;
  /** Part of the acting person's or API client's name, any case. */
  actor_name?: string;
  /** Exact, or a prefix ending in `*` (partner.*). */
  action?: string;
  subject_type?: string;
  subject_id?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

/** The name of who acted: a console or portal login (`user:<id>`) or an API client (its id). */
const ACTOR_NAME = `LEFT JOIN LATERAL (
  SELECT COALESCE(
    (SELECT u.name FROM admin_users u WHERE actor LIKE 'user:%' AND u.user_id = substr(actor, 6)),
    (SELECT u.name FROM portal_users u WHERE actor LIKE 'user:%' AND u.user_id = substr(actor, 6)),
    (SELECT c.name FROM api_clients c WHERE c.client_id = actor)
  ) AS name
) n ON true`;

/** Audit entries newest first, filtered; next_cursor continues with older entries. */
export async function readAuditLog(db: Sql, q: AuditQuery): Promise<{ data: AuditEntry[]; next_cursor: string | null }> {
  const limit = q.limit ?? 100;
  const f = new Filters();
  if (q.actor) f.add('actor = ?', q.actor);
  if (q.actor_name) f.add(`n.name ILIKE ? ESCAPE '\\'`, `%${q.actor_name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (q.action) {
    if (q.action.endsWith('*')) f.add("starts_with(action, ?)", q.action.slice(0, -1));
    else f.add('action = ?', q.action);
  }
  if (q.subject_type) f.add('subject_type = ?', q.subject_type);
  if (q.subject_id) f.add('subject_id = ?', q.subject_id);
  if (q.from) f.add('at >= ?::timestamptz', q.from);
  if (q.to) f.add('at < ?::timestamptz', q.to);
  if (q.cursor) f.add('id < ?', decodeCursor(q.cursor));
  const rows = await db.query<AuditEntry>(
    `SELECT id, at, actor, n.name AS actor_name, action, subject_type, subject_id, before, after, ip
       FROM audit_log
       ${ACTOR_NAME}
       ${f.where()} ORDER BY id DESC LIMIT ${limit + 1}`,
    f.params,
  );
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, next_cursor: more ? encodeCursor(Number(data[data.length - 1].id)) : null };
}
