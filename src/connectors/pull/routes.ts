import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../../http/schemas.ts';
import { SecretsSchema } from './config.ts';
import { backfillFrom, connectorErrors } from './catalogue.ts';
import { runOnce } from './run.ts';
import { createConnector, deleteConnector, getConnector, listConnectors, updateConnector } from './store.ts';

const ConnectorView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('rest'), Type.Literal('mt4'), Type.Literal('mt5'), Type.Literal('match_trader'), Type.Literal('nats')]),
  status: Type.Union([Type.Literal('active'), Type.Literal('paused')], { description: 'paused after pause_after_failures consecutive failed runs; PATCH status active to resume.' }),
  interval_seconds: Type.Integer(),
  config: Type.Record(Type.String(), Type.Unknown()),
  has_secrets: Type.Boolean({ description: 'Secrets are sealed and never shown.' }),
  cursor: Type.Record(Type.String(), Type.Unknown(), { description: 'Where the next run starts (committed with the records it follows).' }),
  last_run_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_success_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  consecutive_failures: Type.Integer(),
  records_in: Type.Integer({ description: 'Records stored (created, updated or unchanged) since the connector was created.' }),
  records_rejected: Type.Integer({ description: 'Records refused and sent to the dead letters.' }),
  lag_seconds: Type.Union([Type.Number(), Type.Null()], {
    description: 'Seconds behind the source. Match-Trader: age of the oldest fact that may not be applied yet (now − applied_through); others: age of the newest source record applied when the source tells, else seconds since the last successful run.',
  }),
  applied_through: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Every source fact dated before this instant is applied (connectors that read by time window).' }),
  rows_per_minute: Type.Number({ description: 'Records stored or refused per minute over the last five minutes.' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});
const Params = Type.Object({ id: Type.String({ maxLength: 63 }) });
const tags = ['Connector admin'];
const Kind = Type.Union([Type.Literal('rest'), Type.Literal('mt4'), Type.Literal('mt5'), Type.Literal('match_trader')]);
const ErrorView = Type.Object({
  id: Type.Integer(),
  message: Type.String(),
  payload: Type.Unknown({ description: 'What the source answered: method, URL (no query), HTTP status, body excerpt, attempts. Never the headers sent.' }),
  created_at: Type.String({ format: 'date-time' }),
});

export const pullRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;

  app.get(
    '/api/v1/connectors',
    { config: { scope: 'admin' }, schema: { tags, summary: 'Connector status: last run, cursor, lag, records in and rejected, last error', response: { 200: Type.Object({ data: Type.Array(ConnectorView) }) } } },
    async () => ({ data: await listConnectors(db) }),
  );

  app.post(
    '/api/v1/connectors',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Create a pull connector (REST API, MT4/MT5 database or Match-Trader Broker API)',
        description:
          'config is checked against the schema of its kind (see docs/connectors.md); secrets (auth_header, mysql_url, api_key) are sealed and never returned.',
        body: Type.Object(
          {
            id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', examples: ['crm-pull'] }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            kind: Kind,
            interval_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 * 7, default: 300 })),
            config: Type.Record(Type.String(), Type.Unknown()),
            secrets: Type.Optional(SecretsSchema),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ data: ConnectorView }), 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const row = await createConnector(db, request.body as never);
      reply.status(201);
      return { data: row };
    },
  );

  app.get('/api/v1/connectors/:id', { config: { scope: 'admin' }, schema: { tags, summary: 'Read a connector', params: Params, response: { 200: Type.Object({ data: ConnectorView }), 404: ErrorBody } } }, async (request) => ({
    data: await getConnector(db, request.params.id),
  }));

  app.patch(
    '/api/v1/connectors/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Change, pause, resume or rewind a connector',
        params: Params,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused')])),
            interval_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 * 7 })),
            config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
            secrets: Type.Optional(SecretsSchema),
            reset_cursor: Type.Optional(Type.Boolean({ description: 'Read the source again from the start (a reconciliation; upserts make it harmless).' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: ConnectorView }), 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => ({ data: await updateConnector(db, request.params.id, request.body as never) }),
  );

  app.delete('/api/v1/connectors/:id', { config: { scope: 'admin' }, schema: { tags, summary: 'Delete a connector', params: Params, response: { 204: Type.Null(), 404: ErrorBody } } }, async (request, reply) => {
    await deleteConnector(db, request.params.id);
    reply.status(204);
    return null;
  });

  app.post(
    '/api/v1/connectors/:id/run',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Run a pull connector now and wait for the run',
        description: 'Runs even when paused (a successful run resumes it). `skipped` when another run holds it.',
        params: Params,
        response: {
          200: Type.Object({
            data: Type.Object({
              status: Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Literal('skipped')]),
              records_in: Type.Integer(),
              records_rejected: Type.Integer(),
              error: Type.Optional(Type.String()),
              paused: Type.Optional(Type.Boolean()),
            }),
          }),
          404: ErrorBody,
        },
      },
    },
    async (request) => ({ data: await runOnce(app.ctx, request.params.id) }),
  );

  app.get(
    '/api/v1/connectors/:id/errors',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Recent failed runs of a connector, newest first, with what the source answered',
        params: Params,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })) }),
        response: { 200: Type.Object({ data: Type.Array(ErrorView) }), 404: ErrorBody },
      },
    },
    async (request) => ({ data: await connectorErrors(db, request.params.id, request.query.limit ?? 20) }),
  );

  app.post(
    '/api/v1/connectors/:id/backfill',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Read the source again from a date',
        description:
          'Match-Trader connectors move their closed-position and balance-operation windows back to `from`; REST connectors paging by modified_since restart there. What is read again is upserted, so nothing doubles. Other kinds answer 422 (use PATCH reset_cursor). The next run (or POST …/run) does the reading.',
        params: Params,
        body: Type.Object({ from: Type.String({ maxLength: 40, description: 'Date or date-time (UTC) in the past.', examples: ['2026-01-01'] }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: ConnectorView }), 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      await backfillFrom(db, request.params.id, request.body.from);
      return { data: await getConnector(db, request.params.id) };
    },
  );
};
