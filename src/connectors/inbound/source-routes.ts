import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../../http/schemas.ts';
import { createSource, deleteSource, getSource, listSources, rotateSource, updateSource } from './sources.ts';

const SourceView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('webhook'), Type.Literal('postback')]),
  auth: Type.Union([Type.Literal('signature'), Type.Literal('handshake'), Type.Literal('token')]),
  mapping: Type.Union([Type.String(), Type.Null()]),
  enabled: Type.Boolean(),
  events_in: Type.Integer(),
  records_in: Type.Integer(),
  records_rejected: Type.Integer(),
  last_event_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
const Credential = Type.Object(
  {
    secret: Type.Optional(Type.String({ description: 'Standard Webhooks signing secret (auth signature).' })),
    api_key: Type.Optional(Type.String({ description: 'API key for the handshake (auth handshake).' })),
    token: Type.Optional(Type.String({ description: 'Token for the postback URL (auth token).' })),
  },
  { description: 'Shown only in this answer; OpenIB keeps the secret sealed and keys hashed.' },
);
const Params = Type.Object({ id: Type.String({ maxLength: 63 }) });
const tags = ['Connector admin'];

export const sourceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.ctx;

  app.get('/api/v1/connectors/sources', { config: { scope: 'admin' }, schema: { tags, summary: 'List inbound sources with their counters', response: { 200: Type.Object({ data: Type.Array(SourceView) }) } } }, async () => ({
    data: await listSources(db),
  }));

  app.post(
    '/api/v1/connectors/sources',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Create an inbound source (webhook or postback sender)',
        description: 'Returns the new credential once: a signing secret (auth `signature`), an API key (auth `handshake`) or a postback token (auth `token`).',
        body: Type.Object(
          {
            id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'Used in the URL /api/v1/inbound/{id}.', examples: ['crm'] }),
            name: Type.String({ minLength: 1, maxLength: 200, examples: ['Main CRM'] }),
            kind: Type.Union([Type.Literal('webhook'), Type.Literal('postback')]),
            auth: Type.Union([Type.Literal('signature'), Type.Literal('handshake'), Type.Literal('token')]),
            mapping: Type.Optional(Type.String({ maxLength: 100, description: 'Mapping the events use (webhook sources).', examples: ['example-crm-lifecycle'] })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ data: SourceView, credential: Credential }), 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { source, credential } = await createSource(db, request.body);
      reply.status(201);
      return { data: source, credential };
    },
  );

  app.get('/api/v1/connectors/sources/:id', { config: { scope: 'admin' }, schema: { tags, summary: 'Read an inbound source', params: Params, response: { 200: Type.Object({ data: SourceView }), 404: ErrorBody } } }, async (request) => ({
    data: await getSource(db, request.params.id),
  }));

  app.patch(
    '/api/v1/connectors/sources/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Rename, re-map, enable or disable a source',
        params: Params,
        body: Type.Object(
          { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), mapping: Type.Optional(Type.String({ maxLength: 100 })), enabled: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: SourceView }), 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => ({ data: await updateSource(db, request.params.id, request.body) }),
  );

  app.post(
    '/api/v1/connectors/sources/:id/rotate',
    {
      config: { scope: 'admin' },
      schema: { tags, summary: 'Issue a new secret, API key or token (the old one stops working)', params: Params, response: { 200: Type.Object({ data: SourceView, credential: Credential }), 404: ErrorBody } },
    },
    async (request) => {
      const { source, credential } = await rotateSource(db, request.params.id);
      return { data: source, credential };
    },
  );

  app.delete('/api/v1/connectors/sources/:id', { config: { scope: 'admin' }, schema: { tags, summary: 'Delete a source', params: Params, response: { 204: Type.Null(), 404: ErrorBody } } }, async (request, reply) => {
    await deleteSource(db, request.params.id);
    reply.status(204);
    return null;
  });
};
