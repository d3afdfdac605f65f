import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody, PageMeta, PageQuery } from '../http/schemas.ts';
import { forbidden } from '../shared/errors.ts';
import { webhookDeps } from './deps.ts';
import { listAttempts, listMessages } from './messages.ts';
import { createPostback, deletePostback, getPostback, listPostbacks, updatePostback } from './postbacks.ts';
import { AttemptView, MessageStatus, MessageView, PostbackCreate, PostbackPatch, PostbackView } from './schemas.ts';
import { IdempotencyHeaders, idempotentWrite } from '../http/idempotency.ts';

const tags = ['Partner postbacks'];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };
const PartnerParams = Type.Object({ partner_id: Type.String({ minLength: 1, maxLength: 100, description: 'The partner (IB/affiliate).' }) });
const PostbackParams = Type.Object({
  partner_id: PartnerParams.properties.partner_id,
  id: Type.String({ maxLength: 100, description: 'Postback id (pb_…).' }),
});
const WHO =
  'Admins manage any partner\'s postbacks; a client bound to a partner (its tokens carry the partner id) manages only its own.';

/** Admins pass; a partner-bound caller passes for its own partner id only. Sub-partner rules come with the partner tree. */
function authorise(request: FastifyRequest, partnerId: string) {
  const caller = request.caller;
  if (caller?.partnerId === undefined && caller?.scopes.includes('admin')) return;
  // Broker-wide auditors read every partner's postbacks.
  if (caller?.partnerId === undefined && request.method === 'GET' && caller?.scopes.includes('read:all')) return;
  if (caller?.partnerId !== undefined && caller.partnerId === partnerId) return;
  throw forbidden('This token may manage the postbacks of its own partner only.');
}

/** Partner postbacks: a partner's tracker URLs, fired server to server when its customers register, deposit, qualify or earn. */
export const postbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const deps = webhookDeps(app.ctx);
  const { db } = deps;
  const read = { scope: 'postbacks:read' as const };
  const write = { scope: 'postbacks:write' as const };
  const base = '/api/v1/partners/:partner_id/postbacks';

  app.post(
    base,
    {
      config: write,
      schema: {
        tags,
        summary: 'Add a postback',
        headers: IdempotencyHeaders,
        description: `The URL is called when the event happens for one of the partner's customers: registration (customer.attributed), ftd (deposit.first), cpa_qualified (cpa.qualified), commission_approved (commission.approved). Macros are URL-encoded; no personal data (names, e-mail, phone) can be sent. Failed calls are retried on the webhook schedule. ${WHO}`,
        params: PartnerParams,
        body: PostbackCreate,
        response: { 201: PostbackView, ...errors },
      },
    },
    async (request, reply) => {
      authorise(request, request.params.partner_id);
      return idempotentWrite(db, request, reply, 201, (tx) => createPostback(deps, request.params.partner_id, request.body, tx));
    },
  );

  app.get(
    base,
    {
      config: read,
      schema: {
        tags,
        summary: 'List a partner\'s postbacks',
        description: WHO,
        params: PartnerParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(PostbackView), meta: PageMeta }), ...errors },
      },
    },
    async (request) => {
      authorise(request, request.params.partner_id);
      return listPostbacks(db, request.params.partner_id, request.query);
    },
  );

  app.get(
    `${base}/log`,
    {
      config: read,
      schema: {
        tags,
        summary: 'Read a partner\'s postback log',
        description: `Every call made to the partner's postback URLs, oldest first, with status code, latency and the start of the answer. ${WHO}`,
        params: PartnerParams,
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(AttemptView), meta: PageMeta }), ...errors },
      },
    },
    async (request) => {
      authorise(request, request.params.partner_id);
      return listAttempts(db, { partner_id: request.params.partner_id }, request.query);
    },
  );

  app.get(
    `${base}/messages`,
    {
      config: read,
      schema: {
        tags,
        summary: 'List a partner\'s postback messages',
        description: `One row per event and postback, with its delivery state (pending, delivered, dead). ${WHO}`,
        params: PartnerParams,
        querystring: Type.Object({ status: Type.Optional(MessageStatus), ...PageQuery }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(MessageView), meta: PageMeta }), ...errors },
      },
    },
    async (request) => {
      authorise(request, request.params.partner_id);
      const { status, ...page } = request.query;
      return listMessages(db, { partner_id: request.params.partner_id, status }, page);
    },
  );

  app.get(
    `${base}/:id`,
    { config: read, schema: { tags, summary: 'Read a postback', params: PostbackParams, response: { 200: PostbackView, ...errors } } },
    async (request) => {
      authorise(request, request.params.partner_id);
      return getPostback(db, request.params.partner_id, request.params.id);
    },
  );

  app.patch(
    `${base}/:id`,
    {
      config: write,
      schema: {
        tags,
        summary: 'Change a postback',
        description: `Send only the fields to change; enabled: false pauses it. ${WHO}`,
        params: PostbackParams,
        body: PostbackPatch,
        response: { 200: PostbackView, ...errors },
      },
    },
    async (request) => {
      authorise(request, request.params.partner_id);
      return updatePostback(deps, request.params.partner_id, request.params.id, request.body);
    },
  );

  app.delete(
    `${base}/:id`,
    {
      config: write,
      schema: { tags, summary: 'Delete a postback', params: PostbackParams, response: { 204: Type.Null(), ...errors } },
    },
    async (request, reply) => {
      authorise(request, request.params.partner_id);
      await deletePostback(db, request.params.partner_id, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
