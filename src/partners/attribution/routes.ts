import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Sql } from '../../db/index.ts';
import type { Caller } from '../../http/context.ts';
import { idempotentWrite } from '../../http/idempotency.ts';
import { ErrorBody, PageMeta, PageQuery, RowId } from '../../http/schemas.ts';
import { parseDateTime } from '../../shared/dates.ts';
import { AppError, validationFailed } from '../../shared/errors.ts';
import { Filters, readPage } from '../../shared/pagination.ts';
import { assertBrokerCaller, assertPartnerAccess } from '../access.ts';
import { ConflictView, CustomerIdParam, NamedConflictView, OwnershipView, PartnerIdParam } from '../schemas.ts';
import { CONFLICT_COLUMNS, resolveConflict } from './conflicts.ts';
import { listCustomers } from './customer-list.ts';
import { notePiiRead } from '../../audit/pii-reads.ts';
import { policyFrom } from './policy.ts';
import { reassignCustomer } from './reassign.ts';
import { OWNERSHIP_COLUMNS, ownerAt, ownershipHistory } from './store.ts';

function instant(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parseDateTime(value);
  if ('reason' in parsed) throw validationFailed([{ field, reason: parsed.reason }]);
  return parsed.value;
}

/** A partner-scoped caller sees a customer only while someone in its subtree owns it. */
async function assertCustomerAccess(db: Sql, caller: Caller | undefined, customerId: string): Promise<void> {
  const hidden = new AppError(404, 'not_found', 'No customer with this id.');
  const [customer] = await db.query('SELECT 1 FROM customers WHERE customer_id = $1', [customerId]);
  if (!customer) throw hidden;
  if (caller?.partnerId === undefined) return;
  const owner = await ownerAt(db, customerId, new Date().toISOString());
  if (!owner) throw hidden;
  await assertPartnerAccess(db, caller, owner).catch(() => {
    throw hidden;
  });
}

const ReassignBody = Type.Object(
  {
    partner_id: Type.String({ maxLength: 100, description: 'The new owner; must be active.' }),
    effective_from: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601; now when left out. Activity from this instant on is credited to the new owner.' })),
    reason: Type.String({ minLength: 3, maxLength: 1000, description: 'Why; kept with the ownership period and in the event.' }),
    force: Type.Optional(Type.Boolean({ default: false, description: 'Reassign inside the current owner\'s guaranteed attribution period.' })),
  },
  { additionalProperties: false, examples: [{ partner_id: 'pt_Xk3v9QmZ0aB1', effective_from: '2026-03-01T00:00:00Z', reason: 'Client asked to move to a local IB' }] },
);

export const attributionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;
  const policy = policyFrom(config);

  app.post(
    '/api/v1/customers/:customer_id/reassign',
    {
      config: { scope: 'partners:write' },
      schema: {
        tags: ['Attribution'],
        summary: 'Reassign a customer to another partner',
        description:
          'Effective-dated: from `effective_from` on the customer belongs to `partner_id`; earlier periods stay as they were, so activity is credited to whoever owned the customer on its date. Inside the current owner\'s guaranteed period (OPENIB_GUARANTEED_ATTRIBUTION_DAYS) it is refused with 409 unless `force` is true. Emits customer.reassigned. Reassigning to the current owner changes nothing (`changed: false`).',
        params: CustomerIdParam,
        body: ReassignBody,
        response: {
          200: Type.Object({
            changed: Type.Boolean(),
            previous_partner_id: Type.Union([Type.Null(), Type.String()]),
            ownership: Type.Union([Type.Null(), OwnershipView]),
          }),
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      assertBrokerCaller(request.caller, 'reassign customers');
      const b = request.body;
      const effectiveFrom = instant('effective_from', b.effective_from);
      return idempotentWrite(db, request, reply, 200, (tx) =>
        reassignCustomer(tx, {
          customerId: request.params.customer_id,
          partnerId: b.partner_id,
          effectiveFrom,
          reason: b.reason.trim(),
          force: b.force,
          by: request.caller?.clientId ?? null,
          policy,
        }),
      );
    },
  );

  app.get(
    '/api/v1/customers/:customer_id/attribution',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Attribution'],
        summary: 'A customer\'s ownership over time',
        description:
          '`periods` are the ownership periods in force (never overlapping: at most one owner at any instant); `history` adds the periods later reassignments superseded. A customer nobody owns has no periods (`partner` null in every sense).',
        params: CustomerIdParam,
        response: {
          200: Type.Object({
            customer_id: Type.String(),
            current_partner_id: Type.Union([Type.Null(), Type.String()]),
            periods: Type.Array(OwnershipView),
            history: Type.Array(OwnershipView),
          }),
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const { customer_id } = request.params;
      await assertCustomerAccess(db, request.caller, customer_id);
      const history = await ownershipHistory(db, customer_id);
      return {
        customer_id,
        current_partner_id: await ownerAt(db, customer_id, new Date().toISOString()),
        periods: history.filter((h) => h.superseded_at === null),
        history,
      };
    },
  );

  app.get(
    '/api/v1/customers',
    {
      config: { scope: 'customers:read' },
      schema: {
        tags: ['Attribution'],
        summary: 'Find customers, with the partner that owns each now',
        description:
          'Newest first, paged by cursor (`meta.next_cursor`). Filters combine: `customer_id` matches the start of the id, `partner_id` the current owner, `country` and `kyc_status` exactly, and `email` a whole address through its keyed hash (emails and names are sealed at rest, so a part of one cannot be searched; see docs/privacy.md). Broker callers only: a partner reads its clients through the reports API. Every customer answered is noted as a read of personal data.',
        querystring: Type.Object(
          {
            customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The start of the customer id.' })),
            partner_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only customers this partner owns now.' })),
            country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 country.' })),
            kyc_status: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'KYC status as the broker sends it (e.g. approved, pending, rejected).' })),
            email: Type.Optional(Type.String({ minLength: 3, maxLength: 320, description: 'A whole email address (case and surrounding spaces ignored).' })),
            per_page: PageQuery.per_page,
            cursor: PageQuery.cursor,
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                customer_id: Type.String(),
                first_name: Type.Union([Type.String(), Type.Null()]),
                last_name: Type.Union([Type.String(), Type.Null()]),
                email: Type.Union([Type.String(), Type.Null()]),
                country_code: Type.Union([Type.String(), Type.Null()]),
                kyc_status_id: Type.Union([Type.String(), Type.Null()]),
                signup_date: Type.String(),
                first_deposit_at: Type.Union([Type.String(), Type.Null()]),
                partner_id: Type.Union([Type.String(), Type.Null()], { description: 'The owner now; null when nobody owns the customer.' }),
                partner_name: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
            meta: Type.Object({ per_page: Type.Integer(), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
          }),
          400: ErrorBody,
          403: ErrorBody,
        },
      },
    },
    async (request) => {
      assertBrokerCaller(request.caller, 'search all customers');
      const page = await listCustomers(db, request.query);
      notePiiRead(request, page.data.map((c) => c.customer_id), { type: 'customers', id: 'search' });
      return page;
    },
  );

  app.get(
    '/api/v1/customers/:customer_id/owner',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Attribution'],
        summary: 'Who owned a customer at an instant',
        description: 'The partner activity on that instant is credited to; null when nobody owned the customer then.',
        params: CustomerIdParam,
        querystring: Type.Object({ at: Type.Optional(Type.String({ maxLength: 40, description: 'ISO 8601; now when left out.' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ customer_id: Type.String(), at: Type.String(), partner_id: Type.Union([Type.Null(), Type.String()]) }), 404: ErrorBody },
      },
    },
    async (request) => {
      const { customer_id } = request.params;
      await assertCustomerAccess(db, request.caller, customer_id);
      const at = instant('at', request.query.at) ?? new Date().toISOString();
      return { customer_id, at, partner_id: await ownerAt(db, customer_id, at) };
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/customers',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Attribution'],
        summary: 'Customers a partner owns now',
        description: 'The ownership periods in force now for this partner\'s direct clients, oldest first.',
        params: PartnerIdParam,
        querystring: Type.Object({ ...PageQuery }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(OwnershipView), meta: PageMeta }), 404: ErrorBody },
      },
    },
    async (request) => {
      await assertPartnerAccess(db, request.caller, request.params.partner_id);
      const f = new Filters()
        .add('partner_id = ?', request.params.partner_id)
        .add('superseded_at IS NULL')
        .add('effective_from <= now()')
        .add('(effective_to IS NULL OR effective_to > now())');
      // readPage pages by a seq column; an attribution's id is its insertion order.
      return readPage(db, '(SELECT attribution_id AS seq, * FROM attributions) a', OWNERSHIP_COLUMNS, f, request.query);
    },
  );

  app.get(
    '/api/v1/attribution-conflicts',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Attribution'],
        summary: 'Claims that were not applied',
        description: 'A registration or update pointing at another partner than the customer\'s owner is stored here (and emitted as attribution.conflict) instead of moving the customer.',
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('dismissed')])),
            customer_id: Type.Optional(Type.String({ maxLength: 500 })),
            ...PageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(NamedConflictView), meta: PageMeta }), 403: ErrorBody },
      },
    },
    async (request) => {
      assertBrokerCaller(request.caller, 'review attribution conflicts');
      const f = new Filters();
      if (request.query.status) f.add('status = ?', request.query.status);
      if (request.query.customer_id) f.add('customer_id = ?', request.query.customer_id);
      // With both partners' names, so a person decides between names, not ids.
      const named = `(SELECT c.*, cur.name AS current_partner_name, cl.name AS claimed_partner_name
                        FROM attribution_conflicts c
                        LEFT JOIN partners cur ON cur.partner_id = c.current_partner_id
                        LEFT JOIN partners cl ON cl.partner_id = c.claimed_partner_id) ac`;
      return readPage(db, named, `${CONFLICT_COLUMNS}, current_partner_name, claimed_partner_name`, f, request.query);
    },
  );

  app.post(
    '/api/v1/attribution-conflicts/:conflict_id/resolve',
    {
      config: { scope: 'partners:write' },
      schema: {
        tags: ['Attribution'],
        summary: 'Accept or dismiss a conflicting claim',
        description: 'accept reassigns the customer to the claimant (from now, or effective_from), overriding the guaranteed period; dismiss keeps the owner.',
        params: Type.Object({ conflict_id: RowId() }),
        body: Type.Object(
          {
            action: Type.Union([Type.Literal('accept'), Type.Literal('dismiss')]),
            reason: Type.String({ minLength: 3, maxLength: 1000 }),
            effective_from: Type.Optional(Type.String({ maxLength: 40 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ConflictView, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      assertBrokerCaller(request.caller, 'resolve attribution conflicts');
      const b = request.body;
      const effectiveFrom = instant('effective_from', b.effective_from);
      return db.transaction((tx) =>
        resolveConflict(tx, { conflictId: request.params.conflict_id, action: b.action, reason: b.reason, effectiveFrom, by: request.caller?.clientId ?? null, policy }),
      );
    },
  );
};
