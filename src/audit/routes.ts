import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import { Type } from 'typebox';
import { CursorMeta, ErrorBody } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { type AuditQuery, readAuditLog } from './read.ts';
import { csvCell } from '../shared/csv.ts';

const Instant = Type.String({
  maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}:?\\d{2})?)?$',
  description: 'A date (2026-01-31) or an ISO 8601 instant; a date means its UTC midnight.',
});

const Filters = {
  actor: Type.Optional(Type.String({ maxLength: 200, description: 'An API client id, `user:<id>`, `cli:<user>` or `system`.' })),
  actor_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Part of the name of the console or portal login, or of the API client, that acted (any case).' })),
  action: Type.Optional(Type.String({ maxLength: 100, description: 'An action such as `partner.update`, or a prefix ending in `*` (`partner.*`).' })),
  subject_type: Type.Optional(Type.String({ maxLength: 100 })),
  subject_id: Type.Optional(Type.String({ maxLength: 500 })),
  from: Type.Optional(Instant),
  to: Type.Optional(Instant),
};

const Entry = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  actor_name: Type.Union([Type.String(), Type.Null()], { description: 'The name of the login or API client that acted; null for the CLI, the system, or one deleted since.' }),
  action: Type.String(),
  subject_type: Type.String(),
  subject_id: Type.String(),
  before: Type.Unknown({ description: 'The subject before the change (updates), secrets removed.' }),
  after: Type.Unknown({ description: 'The subject after the change, secrets removed.' }),
  ip: Type.Union([Type.String(), Type.Null()]),
});

function checkRange(q: AuditQuery) {
  for (const field of ['from', 'to'] as const) {
    const v = q[field];
    if (v !== undefined && Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)))
      throw new AppError(422, 'validation_failed', `${field} is not a real date or instant.`, [{ field, reason: 'must be a valid date or ISO 8601 instant' }]);
  }
}

/** The audit log: who changed what, when, from where; readable and exportable by admins and read:all auditors. */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  app.get(
    '/api/v1/audit-log',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Audit log'],
        summary: 'Read the audit log',
        description:
          'Every change made through the API or the CLI, newest first: who (`actor`), when, from which IP, what (`action`, subject) and the subject before → after (secrets removed). Reads of customers\' PII by broker staff appear as `pii.read`. The log is append-only: the database refuses to update or delete an entry.',
        querystring: Type.Object({
          ...Filters,
          cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page.' })),
          per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'Entries per page; 100 when left out.' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'The same as per_page.' })),
        }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            data: Type.Array(Entry),
            meta: CursorMeta,
            next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'The same as meta.next_cursor (kept for existing readers).' }),
          }),
          400: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request) => {
      checkRange(request.query);
      const { per_page, limit, ...q } = request.query;
      const perPage = per_page ?? limit ?? 100;
      const page = await readAuditLog(db, { ...q, limit: perPage });
      return { ...page, data: page.data.map((e) => ({ ...e, actor_name: e.actor_name ?? null })), meta: { per_page: perPage, next_cursor: page.next_cursor } };
    },
  );

  app.get(
    '/api/v1/audit-log.csv',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Audit log'],
        summary: 'Export the audit log as CSV',
        description: 'The same filters as `GET /api/v1/audit-log`; at most 100,000 entries, newest first. `before` and `after` are JSON text.',
        querystring: Type.Object(Filters, { additionalProperties: false }),
        produces: ['text/csv'],
        response: { 200: Type.String({ description: 'CSV: id, at, actor, action, subject_type, subject_id, ip, before, after.' }), 422: ErrorBody },
      },
    },
    async (request, reply) => {
      checkRange(request.query);
      const rows: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await readAuditLog(db, { ...request.query, cursor, limit: 500 });
        for (const e of page.data)
          rows.push([String(e.id), e.at, e.actor, e.action, e.subject_type, e.subject_id, e.ip ?? '', e.before == null ? '' : JSON.stringify(e.before), e.after == null ? '' : JSON.stringify(e.after)]);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && rows.length < 100_000);
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', 'attachment; filename="audit-log.csv"');
      const safe = rows.map((r) => r.map(csvCell));
      return reply.send(stringify(safe, { header: true, columns: ['id', 'at', 'actor', 'action', 'subject_type', 'subject_id', 'ip', 'before', 'after'] }));
    },
  );
};
