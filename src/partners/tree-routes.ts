import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { appendEvents } from '../events/outbox.ts';
import { ErrorBody } from '../http/schemas.ts';
import { parseDateTime } from '../shared/dates.ts';
import { validationFailed } from '../shared/errors.ts';
import { assertBrokerCaller, assertPartnerAccess } from './access.ts';
import { requirePartner } from './partners.ts';
import { NodePageView, PartnerIdParam, PartnerView, TreeNodeView, TreePageQuery } from './schemas.ts';
import { ancestorChains, moveSubtree } from './tree.ts';
import { ancestorNodes, childrenPage, subtreePage } from './tree-read.ts';

const MoveBody = Type.Object(
  {
    parent_id: Type.Union([Type.Null(), Type.String({ maxLength: 100 })], { description: 'The new master IB, or null to make the partner top-level.' }),
    effective_from: Type.Optional(
      Type.String({ maxLength: 40, description: 'When the move takes effect (ISO 8601); now when left out. May be in the past — also before either partner was entered, to record a tree backfilled from an older system — but not before the partner\'s last move.' }),
    ),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false, examples: [{ parent_id: 'pt_Xk3v9QmZ0aB1', reason: 'Agreement with the new master IB from March' }] },
);

const ParentPeriod = Type.Object({
  parent_id: Type.Union([Type.Null(), Type.String()]),
  effective_from: Type.String({ format: 'date-time' }),
  effective_to: Type.Union([Type.Null(), Type.String({ format: 'date-time' })]),
  reason: Type.Union([Type.Null(), Type.String()]),
  changed_by: Type.Union([Type.Null(), Type.String()]),
});

export const treeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;

  app.get(
    '/api/v1/partners/:partner_id/ancestors',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Partner tree'],
        summary: 'A partner\'s ancestors, nearest first',
        description: 'depth 1 is the direct master IB. One indexed query. A partner-scoped token sees the chain up to its own partner, never above.',
        params: PartnerIdParam,
        response: { 200: Type.Object({ data: Type.Array(TreeNodeView) }), 404: ErrorBody },
      },
    },
    async (request) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      await requirePartner(db, partner_id);
      return { data: await ancestorNodes(db, partner_id, request.caller?.partnerId) };
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/children',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Partner tree'],
        summary: 'A partner\'s direct sub-IBs, with counts',
        description: 'Each node carries its direct sub-IB count, everyone below it, and the customers it owns now.',
        params: PartnerIdParam,
        querystring: TreePageQuery,
        response: { 200: NodePageView, 404: ErrorBody },
      },
    },
    async (request) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      await requirePartner(db, partner_id);
      return childrenPage(db, partner_id, { page: request.query.page ?? 1, perPage: request.query.per_page ?? 100 });
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/subtree',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Partner tree'],
        summary: 'Everyone below a partner, with per-node counts',
        description:
          'Breadth first (by depth, then creation). Each node carries its direct sub-IB count, everyone below it, and the customers it owns now. One range scan of the closure table; paginate large networks.',
        params: PartnerIdParam,
        querystring: Type.Object({
          ...TreePageQuery.properties,
          max_depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Only this many levels below the partner.' })),
        }),
        response: { 200: NodePageView, 404: ErrorBody },
      },
    },
    async (request) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      await requirePartner(db, partner_id);
      const q = request.query;
      return subtreePage(db, partner_id, { maxDepth: q.max_depth, page: q.page ?? 1, perPage: q.per_page ?? 100 });
    },
  );

  app.post(
    '/api/v1/partners/:partner_id/move',
    {
      config: { scope: 'partners:write' },
      schema: {
        tags: ['Partner tree'],
        summary: 'Move a sub-IB (with its whole subtree) under another parent',
        description:
          'Effective-dated: closes the partner\'s current parent period and opens a new one (see parent-history); the tree changes at once. Refuses loops (409 tree_cycle) and trees deeper than OPENIB_MAX_TREE_DEPTH (422 tree_too_deep). Emits partner.moved.',
        params: PartnerIdParam,
        body: MoveBody,
        response: {
          200: Type.Object({
            partner: PartnerView,
            moved: Type.Boolean({ description: 'false when the partner already had this parent.' }),
            from_parent_id: Type.Union([Type.Null(), Type.String()]),
            effective_from: Type.String({ format: 'date-time' }),
            subtree_size: Type.Integer({ description: 'Partners moved, the partner itself included.' }),
          }),
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request) => {
      assertBrokerCaller(request.caller, 'move partners');
      const { partner_id } = request.params;
      let effectiveFrom: string | undefined;
      if (request.body.effective_from !== undefined) {
        const parsed = parseDateTime(request.body.effective_from);
        if ('reason' in parsed) throw validationFailed([{ field: 'effective_from', reason: parsed.reason }]);
        effectiveFrom = parsed.value;
      }
      return db.transaction(async (tx) => {
        const result = await moveSubtree(tx, {
          partnerId: partner_id,
          parentId: request.body.parent_id,
          effectiveFrom,
          reason: request.body.reason,
          changedBy: request.caller?.clientId,
          maxLevels: config.maxTreeDepth,
        });
        const partner = await requirePartner(tx, partner_id);
        if (result.moved) {
          const ancestors = (await ancestorChains(tx, [partner_id])).get(partner_id) ?? [];
          await appendEvents(tx, [
            {
              type: 'partner.moved',
              subjectType: 'partner',
              subjectId: partner_id,
              data: {
                partner_id,
                affiliate_id: partner.affiliate_id,
                from_parent_id: result.from_parent_id,
                to_parent_id: result.to_parent_id,
                effective_from: result.effective_from,
                reason: request.body.reason ?? null,
                subtree_size: result.subtree_size,
                ancestors,
              },
            },
          ]);
        }
        return { partner, moved: result.moved, from_parent_id: result.from_parent_id, effective_from: result.effective_from, subtree_size: result.subtree_size };
      });
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/parent-history',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Partner tree'],
        summary: 'Who a partner\'s parent was, over time',
        description: 'Commissions use this: an override belongs to whoever was the master IB on the activity\'s date.',
        params: PartnerIdParam,
        response: { 200: Type.Object({ data: Type.Array(ParentPeriod) }), 404: ErrorBody },
      },
    },
    async (request) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      await requirePartner(db, partner_id);
      const data = await db.query<{ parent_id: string | null; effective_from: string; effective_to: string | null; reason: string | null; changed_by: string | null }>(
        'SELECT parent_id, effective_from, effective_to, reason, changed_by FROM partner_parent_history WHERE partner_id = $1 ORDER BY effective_from',
        [partner_id],
      );
      return { data };
    },
  );
};
