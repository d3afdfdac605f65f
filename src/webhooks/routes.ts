import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody, PageMeta, PageQuery } from '../http/schemas.ts';
import { webhookDeps } from './deps.ts';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  rotateSecret,
  setEndpointEnabled,
  updateEndpoint,
} from './endpoints.ts';
import { listMessages, replaySince } from './messages.ts';
import { EndpointCreate, EndpointPatch, EndpointView, MessageStatus, MessageView, ReplayBody, RotateBody, SecretView } from './schemas.ts';
import { IdempotencyHeaders, idempotentWrite } from '../http/idempotency.ts';

const tags = ['Webhooks'];
const IdParams = Type.Object({ id: Type.String({ maxLength: 100, description: 'Endpoint id (ep_…).' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody };

/** Admin API for webhook endpoints: the broker's own systems (CRM) that receive signed events. */
export const webhookEndpointRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deps = webhookDeps(app.ctx);
  const { db } = deps;
  const config = { scope: 'admin' as const };

  app.post(
    '/api/v1/webhooks/endpoints',
    {
      config,
      schema: {
        tags,
        summary: 'Create a webhook endpoint',
        headers: IdempotencyHeaders,
        description:
          'Events are POSTed to the URL as JSON `{type, id, timestamp, version, data}`, signed per the Standard Webhooks specification (headers webhook-id, webhook-timestamp, webhook-signature). The response carries the signing secret, the only time it is shown. The URL must be http(s) and resolve to a public address (or one allowed by OPENIB_OUTBOUND_ALLOWLIST).',
        body: EndpointCreate,
        response: { 201: Type.Intersect([EndpointView, SecretView]), ...errors },
      },
    },
    async (request, reply) => idempotentWrite(db, request, reply, 201, (tx) => createEndpoint(deps, request.body, tx), { sealed: true }),
  );

  app.get(
    '/api/v1/webhooks/endpoints',
    {
      config,
      schema: {
        tags,
        summary: 'List webhook endpoints',
        querystring: Type.Object({ enabled: Type.Optional(Type.Boolean()), ...PageQuery }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(EndpointView), meta: PageMeta }), ...errors },
      },
    },
    async (request) => listEndpoints(db, request.query),
  );

  app.get(
    '/api/v1/webhooks/endpoints/:id',
    { config, schema: { tags, summary: 'Read a webhook endpoint and its health', params: IdParams, response: { 200: EndpointView, ...errors } } },
    async (request) => getEndpoint(db, request.params.id),
  );

  app.patch(
    '/api/v1/webhooks/endpoints/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change a webhook endpoint',
        description: 'Send only the fields to change. A new URL is checked like a new endpoint\'s. `event_types: null` subscribes to every type.',
        params: IdParams,
        body: EndpointPatch,
        response: { 200: EndpointView, ...errors },
      },
    },
    async (request) => updateEndpoint(deps, request.params.id, request.body),
  );

  app.delete(
    '/api/v1/webhooks/endpoints/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Delete a webhook endpoint',
        description: 'Deletes the endpoint with its queued messages, dead letters and delivery log.',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(db, request.params.id);
      return reply.status(204).send(null);
    },
  );

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    app.post(
      `/api/v1/webhooks/endpoints/:id/${action}`,
      {
        config,
        schema: {
          tags,
          summary: enabled ? 'Enable a webhook endpoint' : 'Disable a webhook endpoint',
          description: enabled
            ? 'Starts sending again, from a clean slate: failure count, open circuit and pause are cleared. Messages queued before it was disabled are sent; events that happened while it was disabled are not (replay them with POST …/replay).'
            : 'Stops sending. Queued messages wait; new events are not queued for it until it is enabled.',
          params: IdParams,
          response: { 200: EndpointView, ...errors },
        },
      },
      async (request) => {
        await getEndpoint(db, request.params.id);
        await setEndpointEnabled(deps, request.params.id, enabled);
        return getEndpoint(db, request.params.id);
      },
    );
  }

  app.post(
    '/api/v1/webhooks/endpoints/:id/rotate-secret',
    {
      config,
      schema: {
        tags,
        summary: 'Rotate the signing secret',
        headers: IdempotencyHeaders,
        description:
          'Makes a new secret (or takes the one given). For overlap_seconds the old secret signs too: each message then carries two signatures in webhook-signature, so a receiver with either secret verifies it. The new secret is shown only in this response.',
        params: IdParams,
        body: Type.Optional(RotateBody),
        response: {
          200: Type.Object({
            secret: SecretView.properties.secret,
            previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
              description: 'Until when the previous secret still signs; null when it was replaced at once.',
            }),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) =>
      idempotentWrite(db, request, reply, 200, (tx) => rotateSecret(deps, request.params.id, { overlapSeconds: request.body?.overlap_seconds, secret: request.body?.secret }, tx), {
        sealed: true,
      }),
  );

  app.get(
    '/api/v1/webhooks/endpoints/:id/deliveries',
    {
      config,
      schema: {
        tags,
        summary: 'List an endpoint\'s messages and their delivery state',
        description: 'One row per event sent (or to be sent) to this endpoint. The attempts of one message: GET /api/v1/webhooks/messages/{id}/attempts.',
        params: IdParams,
        querystring: Type.Object(
          { status: Type.Optional(MessageStatus), event_type: Type.Optional(Type.String({ maxLength: 100 })), ...PageQuery },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(MessageView), meta: PageMeta }), ...errors },
      },
    },
    async (request) => {
      await getEndpoint(db, request.params.id);
      const { status, event_type, ...page } = request.query;
      return listMessages(db, { endpoint_id: request.params.id, status, event_type }, page);
    },
  );

  app.post(
    '/api/v1/webhooks/endpoints/:id/replay',
    {
      config,
      schema: {
        tags,
        summary: 'Send an endpoint everything since a time again',
        description:
          'Queues every matching event that happened in [since, until): events the endpoint never had (it was disabled or did not exist yet) and dead letters; with include_delivered also those already delivered. Messages keep their webhook-id, so receivers can deduplicate.',
        params: IdParams,
        body: ReplayBody,
        response: {
          202: Type.Object({
            created: Type.Integer({ description: 'Events queued for the first time.' }),
            requeued: Type.Integer({ description: 'Messages queued again.' }),
          }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      await getEndpoint(db, request.params.id);
      const { since, until, include_delivered } = request.body;
      const result = await replaySince(db, request.params.id, {
        since,
        until,
        includeDelivered: include_delivered ?? false,
        now: deps.clock.now(),
      });
      reply.status(202);
      return result;
    },
  );
};
