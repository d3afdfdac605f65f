import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditRequest } from '../audit/http.ts';
import type { Sql } from '../db/index.ts';
import { idempotentWrite } from '../http/idempotency.ts';
import { ErrorBody, PageMeta, PageQuery } from '../http/schemas.ts';
import { Filters, readPage } from '../shared/pagination.ts';
import { assertBrokerCaller, assertPartnerAccess } from './access.ts';
import { linkRuntime } from './links/runtime.ts';
import { partnerFields, readPartnerBody } from './partner-input.ts';
import { emailHashCandidates } from '../shared/keyring.ts';
import { createPartner, getPartner, openPartner, PARTNER_COLUMNS, type Partner, type PartnerStatus, requirePartner, setPartnerStatus, updatePartner } from './partners.ts';
import { PartnerIdParam, PartnerView } from './schemas.ts';

const NewPartnerBody = Type.Object(
  {
    ...partnerFields,
    parent_id: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 100 })], { description: 'The master IB this partner is a sub-IB of; top-level when left out.' })),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('pending')], { default: 'active', description: 'pending: created but not approved yet.' })),
  },
  { additionalProperties: false, examples: [{ name: 'Gulf Traders FZE', email: 'ib@gulftraders.example', country: 'AE', affiliate_id: 'IB-2001', payout_currency: 'USD' }] },
);

const PartnerPatchBody = Type.Object(
  { ...partnerFields, name: Type.Optional(partnerFields.name) },
  { additionalProperties: false, minProperties: 1, description: 'Only the fields sent change. Move partners with POST …/move and change status with …/suspend and …/activate.' },
);

const StatusBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 1000, description: 'Why; stored in the event.' })) },
  { additionalProperties: false },
);

export const partnerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;

  app.post(
    '/api/v1/partners',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags: ['Partners'],
        summary: 'Create a partner (IB or affiliate)',
        description:
          'Creates a partner, top-level or as a sub-IB of `parent_id` (the tree may have `OPENIB_MAX_TREE_DEPTH` levels, 10 by default). Customers already registered with its `affiliate_id` and owned by nobody become its clients from their signup. Emits partner.created. Send an `Idempotency-Key` header to make retries safe.',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
        body: NewPartnerBody,
        response: { 201: PartnerView, 403: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      assertBrokerCaller(request.caller, 'create partners');
      const input = readPartnerBody(request.body);
      reply.status(201);
      return idempotentWrite(db, request, reply, 201, async (tx) => {
        const partner = await createPartner(tx, {
          ...input,
          name: input.name as string,
          parentId: request.body.parent_id ?? null,
          status: request.body.status,
          createdBy: request.caller?.clientId,
          maxLevels: config.maxTreeDepth,
        });
        await auditRequest(tx, request, { action: 'partners.create', subject: { type: 'partners', id: partner.partner_id }, after: partner });
        return partner;
      });
    },
  );

  app.get(
    '/api/v1/partners',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Partners'],
        summary: 'List partners',
        description: 'A partner-scoped token lists its own partner and its subtree only.',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('suspended')])),
            parent_id: Type.Optional(Type.String({ maxLength: 100, description: 'Direct sub-IBs of this partner.' })),
            top_level: Type.Optional(Type.Boolean({ description: 'true: only partners without a parent.' })),
            affiliate_id: Type.Optional(Type.String({ maxLength: 64 })),
            country: Type.Optional(Type.String({ minLength: 2, maxLength: 2 })),
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Part of the name (case-insensitive), or a whole email address.' })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(PartnerView), meta: PageMeta }), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const f = new Filters();
      if (request.caller?.partnerId !== undefined) f.add('p.partner_id IN (SELECT descendant_id FROM partner_tree WHERE ancestor_id = ?)', request.caller.partnerId);
      if (q.status) f.add('p.status = ?', q.status);
      if (q.parent_id) f.add('p.parent_id = ?', q.parent_id);
      if (q.top_level !== undefined) f.add(q.top_level ? 'p.parent_id IS NULL' : 'p.parent_id IS NOT NULL');
      if (q.affiliate_id) f.add('p.affiliate_id = ?', q.affiliate_id);
      if (q.country) f.add('p.country = ?', q.country.toUpperCase());
      // Emails are sealed at rest: a whole address finds its partner through the keyed hash.
      if (q.q) f.add(`(p.name ILIKE ? OR p.email_hash = ANY(?::text[]))`, `%${escapeLike(q.q)}%`, emailHashCandidates(q.q));
      const page = await readPage<Partner>(db, 'partners p', PARTNER_COLUMNS, f, q);
      return { ...page, data: page.data.map(openPartner) };
    },
  );

  app.get(
    '/api/v1/partners/:partner_id',
    {
      config: { scope: 'partners:read' },
      schema: { tags: ['Partners'], summary: 'Get a partner', description: 'A partner-scoped token reaches its own partner and its subtree; any other id answers 404.', params: PartnerIdParam, response: { 200: PartnerView, 404: ErrorBody } },
    },
    async (request) => {
      await assertPartnerAccess(db, request.caller, request.params.partner_id);
      return requirePartner(db, request.params.partner_id);
    },
  );

  app.patch(
    '/api/v1/partners/:partner_id',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags: ['Partners'],
        summary: 'Change a partner\'s details',
        description: 'Emits partner.updated with the changed fields. A new affiliate_id also picks up unowned customers registered with it.',
        params: PartnerIdParam,
        body: PartnerPatchBody,
        response: { 200: PartnerView, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      assertBrokerCaller(request.caller, 'change partners');
      const patch = readPartnerBody(request.body);
      return db.transaction(async (tx) => {
        const before = await lockedPartner(tx, request.params.partner_id);
        const { partner, changed } = await updatePartner(tx, request.params.partner_id, patch);
        if (changed.length) await auditRequest(tx, request, { action: 'partners.update', subject: { type: 'partners', id: partner.partner_id }, before, after: { ...partner, changed } });
        return partner;
      });
    },
  );

  const statusRoute = (action: 'suspend' | 'activate', status: PartnerStatus, description: string) =>
    app.post(
      `/api/v1/partners/:partner_id/${action}`,
      {
        config: { scope: 'partners:write', auditsItself: true },
        schema: {
          tags: ['Partners'],
          summary: action === 'suspend' ? 'Suspend a partner' : 'Approve or reinstate a partner',
          description,
          params: PartnerIdParam,
          body: Type.Optional(StatusBody),
          response: { 200: PartnerView, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
        },
      },
      async (request) => {
        assertBrokerCaller(request.caller, `${action} partners`);
        const { partner } = await db.transaction(async (tx) => {
          const before = await lockedPartner(tx, request.params.partner_id);
          const result = await setPartnerStatus(tx, request.params.partner_id, status, request.body?.reason ?? null, request.caller?.clientId);
          if (result.changed)
            await auditRequest(tx, request, { action: `partners.${action}`, subject: { type: 'partners', id: result.partner.partner_id }, before: { status: before?.status }, after: { status: result.partner.status, reason: request.body?.reason ?? null } });
          return result;
        });
        linkRuntime(app.ctx)?.cache.forgetPartner(partner.partner_id);
        return partner;
      },
    );
  statusRoute(
    'suspend',
    'suspended',
    'The partner keeps its clients, but its links lead to OPENIB_DEFAULT_DESTINATION_URL without a click id and new claims to it are not applied. Emits partner.status_changed.',
  );
  statusRoute('activate', 'active', 'Approves a pending partner (self sign-up) or reinstates a suspended one. Emits partner.status_changed.');
};

/** The partner as it stands, its row locked first, so the audit's `before` is what the change replaced. */
async function lockedPartner(tx: Sql, partnerId: string) {
  await tx.query('SELECT 1 FROM partners WHERE partner_id = $1 FOR NO KEY UPDATE', [partnerId]);
  return getPartner(tx, partnerId);
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
