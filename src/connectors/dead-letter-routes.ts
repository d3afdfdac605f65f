import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AfterId, ErrorBody, FieldIssueSchema, RowId } from '../http/schemas.ts';
import { discardDeadLetter, listDeadLetters, retryDeadLetter } from './dead-letters.ts';
import { applyDeadLetter } from './retry.ts';

const DeadLetterView = Type.Object({
  id: Type.Integer(),
  source: Type.String({ description: 'Where it came from: inbound:<source>, postback:<source>, rest:<connector>, mt5:<connector>, nats:<stream>, import:<id>.', examples: ['inbound:crm'] }),
  entity: Type.Union([Type.String(), Type.Null()]),
  event_key: Type.Union([Type.String(), Type.Null()], { description: 'Event id, postback key or batch id, when the source gave one.' }),
  payload: Type.Unknown({ description: 'What could not be applied: {kind: records, entity, records} | {kind: event, mapping, event} | {kind: raw, body}.' }),
  error: Type.String(),
  details: Type.Union([Type.Array(FieldIssueSchema), Type.Null()]),
  attempts: Type.Integer(),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('discarded')]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
const Params = Type.Object({ id: RowId() });
const tags = ['Connector admin'];

export const deadLetterRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  app.get(
    '/api/v1/connectors/dead-letters',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'List what connectors could not apply',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('discarded')], { default: 'open' })),
            source: Type.Optional(Type.String({ maxLength: 200 })),
            after_id: Type.Optional(AfterId({ description: 'Page on with the last id seen.' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(DeadLetterView) }) },
      },
    },
    async (request) => {
      const q = request.query;
      return { data: await listDeadLetters(db, { status: q.status ?? 'open', source: q.source, afterId: q.after_id, limit: q.limit ?? 100 }) };
    },
  );

  app.post(
    '/api/v1/connectors/dead-letters/:id/retry',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Apply a dead letter again',
        description: 'Runs the payload through the path it came from (mapping, validation, upsert). `ok: true` resolves it; otherwise attempts and the reason are updated.',
        params: Params,
        response: { 200: Type.Object({ data: DeadLetterView, ok: Type.Boolean() }), 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const { letter, ok } = await retryDeadLetter(db, request.params.id, (tx, l) => applyDeadLetter(app.ctx, tx, l));
      return { data: letter, ok };
    },
  );

  app.post(
    '/api/v1/connectors/dead-letters/:id/discard',
    { config: { scope: 'admin' }, schema: { tags, summary: 'Discard a dead letter', params: Params, response: { 200: Type.Object({ data: DeadLetterView }), 404: ErrorBody, 409: ErrorBody } } },
    async (request) => ({ data: await discardDeadLetter(db, request.params.id) }),
  );
};
