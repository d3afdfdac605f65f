import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, PageMeta, PageQuery } from '../http/schemas.ts';
import { validationFailed } from '../shared/errors.ts';
import { discardDeadLetters, getMessage, listAttempts, listMessages, replayDeadLetters, replayMessage } from './messages.ts';
import { AttemptView, MessageStatus, MessageView, Selection } from './schemas.ts';

const tags = ['Webhooks'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const MessageParams = Type.Object({ id: Type.String({ maxLength: 100, description: 'Message id: the webhook-id header (msg_…).' }) });
const Kind = Type.Union([Type.Literal('webhook'), Type.Literal('postback')], { description: 'Only webhooks or only partner postbacks.' });
const Count = (what: string) => Type.Object({ count: Type.Integer({ description: what }) });

function selection(body: { ids?: string[]; endpoint_id?: string }) {
  if (!body.ids && !body.endpoint_id)
    throw validationFailed([{ field: 'ids', reason: 'give ids, endpoint_id, or both' }], 'Say which dead letters: ids, endpoint_id, or both.');
  return body;
}

/** Admin API over messages of both kinds (webhooks and postbacks): delivery log, dead letters, replay. */
export const webhookMessageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, clock } = app.ctx;
  const config = { scope: 'admin' as const };

  app.get(
    '/api/v1/webhooks/messages',
    {
      config,
      schema: {
        tags,
        summary: 'List messages by event, endpoint or state',
        description: 'Every endpoint an event went to, with its delivery state: filter by event_id to follow one event.',
        querystring: Type.Object(
          {
            event_id: Type.Optional(Type.String({ format: 'uuid' })),
            endpoint_id: Type.Optional(Type.String({ maxLength: 100 })),
            status: Type.Optional(MessageStatus),
            event_type: Type.Optional(Type.String({ maxLength: 100 })),
            kind: Type.Optional(Kind),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(MessageView), meta: PageMeta }), ...errors },
      },
    },
    async (request) => {
      const { event_id, endpoint_id, status, event_type, kind, ...page } = request.query;
      return listMessages(db, { event_id, endpoint_id, status, event_type, kind }, page);
    },
  );

  app.get(
    '/api/v1/webhooks/messages/:id',
    { config, schema: { tags, summary: 'Read one message', params: MessageParams, response: { 200: MessageView, ...errors } } },
    async (request) => getMessage(db, request.params.id),
  );

  app.get(
    '/api/v1/webhooks/messages/:id/attempts',
    {
      config,
      schema: {
        tags,
        summary: 'List the attempts of one message',
        params: MessageParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(AttemptView), meta: PageMeta }), ...errors },
      },
    },
    async (request) => {
      await getMessage(db, request.params.id);
      return listAttempts(db, { message_id: request.params.id }, request.query);
    },
  );

  app.post(
    '/api/v1/webhooks/messages/:id/replay',
    {
      config,
      schema: {
        tags,
        summary: 'Send one message again',
        description: 'Queues a delivered, dead or discarded message for sending now, from its first attempt, with the same webhook-id.',
        params: MessageParams,
        response: { 202: MessageView, ...errors },
      },
    },
    async (request, reply) => {
      reply.status(202);
      return replayMessage(db, request.params.id, clock.now());
    },
  );

  app.get(
    '/api/v1/webhooks/attempts',
    {
      config,
      schema: {
        tags,
        summary: 'Read the delivery log',
        description: 'Every attempt, oldest first, with status code, latency and the start of the answer. Filter by endpoint, event or message.',
        querystring: Type.Object(
          {
            endpoint_id: Type.Optional(Type.String({ maxLength: 100 })),
            event_id: Type.Optional(Type.String({ format: 'uuid' })),
            message_id: Type.Optional(Type.String({ maxLength: 100 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(AttemptView), meta: PageMeta }), ...errors },
      },
    },
    async (request) => {
      const { endpoint_id, event_id, message_id, ...page } = request.query;
      return listAttempts(db, { endpoint_id, event_id, message_id }, page);
    },
  );

  app.get(
    '/api/v1/webhooks/dead-letters',
    {
      config,
      schema: {
        tags,
        summary: 'List dead letters',
        description:
          'Messages whose every attempt failed (webhooks and postbacks), with the last error. Replay or discard them with the routes below.',
        querystring: Type.Object(
          { endpoint_id: Type.Optional(Type.String({ maxLength: 100 })), kind: Type.Optional(Kind), ...PageQuery },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(MessageView), meta: PageMeta }), ...errors },
      },
    },
    async (request) => {
      const { endpoint_id, kind, ...page } = request.query;
      return listMessages(db, { status: 'dead', endpoint_id, kind }, page);
    },
  );

  app.post(
    '/api/v1/webhooks/dead-letters/replay',
    {
      config,
      schema: {
        tags,
        summary: 'Send dead letters again',
        description: 'Queues the chosen dead letters for sending now, from their first attempt, keeping their webhook-ids.',
        body: Selection,
        response: { 202: Count('Messages queued again.'), ...errors },
      },
    },
    async (request, reply) => {
      reply.status(202);
      return { count: await replayDeadLetters(db, clock.now(), selection(request.body)) };
    },
  );

  app.post(
    '/api/v1/webhooks/dead-letters/discard',
    {
      config,
      schema: {
        tags,
        summary: 'Discard dead letters',
        description: 'Marks the chosen dead letters as dealt with: they leave the list and are not sent. They can still be replayed one by one.',
        body: Selection,
        response: { 200: Count('Messages discarded.'), ...errors },
      },
    },
    async (request) => ({ count: await discardDeadLetters(db, selection(request.body)) }),
  );
};
