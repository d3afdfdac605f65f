import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listEvents } from './outbox.ts';
import { AfterId } from '../http/schemas.ts';

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
          'Every accepted change writes an event in the same transaction: customer.registered, customer.updated, transaction.created, transaction.status_changed, deposit.first, activity.upserted. Page with after_id (the last id you saw).',
        querystring: Type.Object(
          {
            type: Type.Optional(Type.String({ maxLength: 100 })),
            after_id: Type.Optional(AfterId()),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(EventView) }) },
      },
    },
    async (request) => {
      const { type, after_id, limit } = request.query;
      return { data: await listEvents(app.ctx.db, { type, afterId: after_id, limit: limit ?? 100 }) };
    },
  );
};
