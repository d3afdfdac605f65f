import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { Type } from 'typebox';
import { ErrorBody } from '../../http/schemas.ts';
import { AppError } from '../../shared/errors.ts';
import { getPath } from '../mapping/apply.ts';
import { requireMapping } from '../mapping/store.ts';
import { applyMappedEvent, deliver } from './receive.ts';
import { ReceivedSchema } from './schemas.ts';
import { openSession, sessionValid, sourceByKey, sourceDisabled, sourceForSignature } from './sources.ts';

/** The largest webhook body accepted; CRM lifecycle events are small. */
export const INBOUND_BODY_LIMIT = 256 * 1024;

const unauthorized = (message: string) => new AppError(401, 'unauthorized', message);
const SourceParams = Type.Object({ source: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'The source id an admin created.', examples: ['crm'] }) });

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function apiKeyOf(request: FastifyRequest): string | undefined {
  const auth = header(request, 'authorization');
  if (auth) return auth.replace(/^(Bearer|ApiKey)\s+/i, '').trim() || undefined;
  return header(request, 'x-api-key')?.trim() || undefined;
}

function parseJson(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (text.trim() === '') throw new AppError(400, 'invalid_json', 'The request body is empty; send the event as JSON.');
  if (text.includes('\\u0000') || text.includes('\0')) throw new AppError(400, 'invalid_json', 'The request body contains a NUL character, which no field accepts.');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError(400, 'invalid_json', `The request body is not valid JSON: ${(err as Error).message}.`);
  }
}

export const inboundRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;
  // Signatures cover the exact bytes sent, so these routes read the body raw and parse it themselves.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: INBOUND_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.post(
    '/api/v1/inbound/:source',
    {
      config: { public: true },
      bodyLimit: INBOUND_BODY_LIMIT,
      validatorCompiler: () => () => true,
      schema: {
        tags: ['Inbound connectors'],
        summary: 'Receive a CRM event (signed webhook or session token)',
        description:
          'One lifecycle event from a CRM, mapped to customers or transactions by the source\'s mapping. Sources with auth `signature` sign with Standard Webhooks (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`). ' +
          'Sources with auth `handshake` first call `/handshake` with their API key and then send `x-session-token`. Each event id is applied once; a repeat answers `duplicate`. A refused event (422) is kept in the dead letters.',
        params: SourceParams,
        headers: Type.Object({
          'webhook-id': Type.Optional(Type.String({ description: 'Standard Webhooks message id; the event identity for signed sources.' })),
          'webhook-timestamp': Type.Optional(Type.String({ description: 'Unix seconds; must be within 5 minutes of now.' })),
          'webhook-signature': Type.Optional(Type.String({ description: 'Space-separated `v1,<base64>` signatures.' })),
          'x-session-token': Type.Optional(Type.String({ description: 'For handshake sources: the token from /handshake.' })),
        }),
        body: Type.Object({}, { additionalProperties: true, description: 'The event as the CRM sends it (JSON).', examples: [{ id: 'evt_1', type: 'kyc.updated', created: 1772373900, data: { user: { id: 100234, kyc_status: 2 } } }] }),
        response: { 200: Type.Object({ data: ReceivedSchema }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.source;
      const found = await sourceForSignature(db, id);
      if (!found || found.source.kind !== 'webhook') throw new AppError(404, 'not_found', `No webhook source "${id}" exists.`);
      const { source } = found;
      if (!/^application\/([\w.+-]+\+)?json\b/i.test(header(request, 'content-type') ?? ''))
        throw new AppError(415, 'unsupported_media_type', 'Send the event as JSON (Content-Type: application/json).');
      const raw = request.body as Buffer;
      let eventKey: string | undefined;
      if (source.auth === 'signature') {
        try {
          new Webhook(found.secret ?? '').verify(raw, {
            'webhook-id': header(request, 'webhook-id') ?? '',
            'webhook-timestamp': header(request, 'webhook-timestamp') ?? '',
            'webhook-signature': header(request, 'webhook-signature') ?? '',
          }, { jsonParse: false });
        } catch (err) {
          const reason = err instanceof WebhookVerificationError ? err.message : 'the signature could not be checked';
          const hint = /timestamp too (old|new)/i.test(reason) ? ' webhook-timestamp must be within 5 minutes of the current time; check the sender\'s clock.' : '';
          throw unauthorized(`The webhook signature is not valid (${reason}).${hint}`);
        }
        eventKey = header(request, 'webhook-id');
      } else {
        const token = header(request, 'x-session-token');
        if (!token) throw unauthorized('Send x-session-token; get one from POST /api/v1/inbound/{source}/handshake with the source\'s API key.');
        const state = await sessionValid(db, id, token);
        if (state === 'expired') throw unauthorized('The session token has expired (they last 300 seconds); do the handshake again.');
        if (state !== 'ok') throw unauthorized('The session token is not valid for this source; do the handshake again.');
      }
      if (!source.enabled) throw sourceDisabled(id);
      const payload = parseJson(raw);
      const mapping = await requireMapping(db, config.mappingsDir, source.mapping ?? '');
      if (!eventKey) {
        const eventId = getPath(payload, mapping.event_id_path ?? 'id');
        if (typeof eventId !== 'string' && typeof eventId !== 'number')
          throw new AppError(422, 'validation_failed', `The event has no id at "${mapping.event_id_path ?? 'id'}"; every event needs one so a redelivery is applied once.`, [
            { field: mapping.event_id_path ?? 'id', reason: 'is required' },
          ]);
        eventKey = String(eventId);
      }
      const received = await deliver(db, {
        source: `inbound:${id}`,
        sourceId: id,
        key: eventKey,
        payload: { kind: 'event', mapping: mapping.name, event: payload },
        run: (tx) => applyMappedEvent(tx, mapping, payload, { timeZone: config.brokerTimeZone }),
      });
      return { data: received };
    },
  );

  app.post(
    '/api/v1/inbound/:source/handshake',
    {
      config: { public: true },
      bodyLimit: 16 * 1024,
      validatorCompiler: () => () => true,
      schema: {
        tags: ['Inbound connectors'],
        summary: 'Exchange a source\'s API key for a 5-minute session token',
        description: 'For sources with auth `handshake`: send the API key in `Authorization` (optionally `Bearer <key>`) or `x-api-key`; use the returned token as `x-session-token` on events. The body is ignored.',
        params: SourceParams,
        headers: Type.Object({
          authorization: Type.Optional(Type.String({ description: 'The API key, or "Bearer <key>".' })),
          'x-api-key': Type.Optional(Type.String({ description: 'The API key.' })),
        }),
        response: {
          200: Type.Object({
            data: Type.Object({
              sessionToken: Type.String({ description: 'Send as x-session-token.' }),
              expiresIn: Type.Integer({ description: 'Seconds the token lives.', examples: [300] }),
            }),
          }),
          401: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request) => {
      const id = request.params.source;
      const key = apiKeyOf(request);
      if (!key) throw unauthorized('Send the source\'s API key in Authorization or x-api-key.');
      const source = await sourceByKey(db, key);
      if (!source || source.id !== id || source.auth !== 'handshake') throw unauthorized('The API key is not valid for this source.');
      if (!source.enabled) throw sourceDisabled(id);
      return { data: await openSession(db, id) };
    },
  );
};
