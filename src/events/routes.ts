import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listEvents } from './outbox.ts';
import { AfterId, CursorMeta } from '../http/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { decodeCursor, encodeCursor } from '../shared/pagination.ts';

const EventView = Type.Object({
  id: Type.Integer({ description: 'Position in the outbox; increases with every event.' }),
  event_id: Type.String({ format: 'uuid' }),
  type: Type.String({ examples: ['customer.registered'] }),
  occurred_at: Type.String({ format: 'date-time' }),
  subject_type: Type.String(),
  subject_id: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
});

export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/events',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Events'],
        summary: 'Read the domain event log',
        description:
          'Every accepted change writes an event in the same transaction: customer.registered, customer.updated, transaction.created, transaction.status_changed, deposit.first, activity.upserted. Oldest first. Page with `cursor` (meta.next_cursor) like every list, or with after_id (the last id you saw); `per_page` and `limit` are the same.',
        querystring: Type.Object(
          {
            type: Type.Optional(Type.String({ maxLength: 100 })),
            after_id: Type.Optional(AfterId()),
            cursor: Type.Optional(Type.String({ maxLength: 200, description: 'meta.next_cursor of the previous page.' })),
            per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Entries per page; 100 when left out.' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'The same as per_page.' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(EventView), meta: CursorMeta }) },
      },
    },
    async (request) => {
      const { type, after_id, cursor, per_page, limit } = request.query;
      if (cursor !== undefined && after_id !== undefined) throw new AppError(400, 'bad_request', 'Send cursor or after_id, not both.');
      const perPage = per_page ?? limit ?? 100;
      const afterId = cursor !== undefined ? decodeCursor(cursor) : after_id;
      const rows = await listEvents(app.ctx.db, { type, afterId, limit: perPage + 1 });
      const data = rows.slice(0, perPage);
      return { data, meta: { per_page: perPage, next_cursor: rows.length > perPage ? encodeCursor(Number(data[data.length - 1].id)) : null } };
    },
  );
};
