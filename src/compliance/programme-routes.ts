import { Type } from 'typebox';
import { idempotentWrite } from '../http/idempotency.ts';
import { ErrorBody } from '../http/schemas.ts';
import { PartnerIdParam } from '../partners/schemas.ts';
import { AppError } from '../shared/errors.ts';
import { listProgrammes, setPartnerProgramme, upsertProgramme } from './programmes.ts';
import { acceptTerms, listTerms, partnerTerms, publishTerms } from './terms.ts';
import { ProgrammeView, TermsView } from './schemas.ts';
import { type ComplianceApp, type ComplianceRouteContext, tags, hidden, assertOwnOrBroker, assertPartner } from './route-access.ts';

/** Programmes with their payout gates, and the terms partners accept. */
export function programmeRoutes(app: ComplianceApp, c: ComplianceRouteContext): void {
  const { db, who } = c;
  // ---- Programmes and their payout gates ----

  app.get(
    '/api/v1/compliance/programmes',
    { config: { scope: 'admin' }, schema: { tags, summary: 'Programmes and their payout gates', response: { 200: Type.Object({ data: Type.Array(ProgrammeView) }) } } },
    async () => ({ data: await listProgrammes(db) }),
  );

  app.put(
    '/api/v1/compliance/programmes/:programme_id',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags,
        summary: 'Create or change a programme',
        description: 'A programme groups partners under one set of terms and payout gates: require_verification, require_terms, require_tax_form. A payout run carries the statements of a partner that misses a required item, with the reason.',
        params: Type.Object({ programme_id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$', examples: ['eu-ib'] }) }),
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100 }), require_verification: Type.Boolean(), require_terms: Type.Boolean(), require_tax_form: Type.Boolean() },
          { additionalProperties: false, examples: [{ name: 'EU introducing brokers', require_verification: true, require_terms: true, require_tax_form: true }] },
        ),
        response: { 200: Type.Object({ data: ProgrammeView }), 422: ErrorBody },
      },
    },
    async (request) => {
      const data = await db.transaction((tx) => upsertProgramme(tx, request.params.programme_id, request.body, who(request)));
      request.audited = true;
      return { data };
    },
  );

  app.put(
    '/api/v1/partners/:partner_id/programme',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags,
        summary: 'Put a partner in a programme',
        params: PartnerIdParam,
        body: Type.Object({ programme_id: Type.String({ maxLength: 40, examples: ['eu-ib'] }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ partner_id: Type.String(), programme_id: Type.String() }), 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      await db.transaction(async (tx) => {
        await assertPartner(tx, id);
        await setPartnerProgramme(tx, id, request.body.programme_id, who(request));
      });
      request.audited = true;
      return { partner_id: id, programme_id: request.body.programme_id };
    },
  );

  // ---- Terms ----

  app.get(
    '/api/v1/compliance/terms',
    {
      config: { scope: 'admin' },
      schema: { tags, summary: 'Published partner terms, every version and language', querystring: Type.Object({ programme_id: Type.Optional(Type.String({ maxLength: 40 })) }, { additionalProperties: false }), response: { 200: Type.Object({ data: Type.Array(TermsView) }) } },
    },
    async (request) => ({ data: await listTerms(db, request.query.programme_id) }),
  );

  app.post(
    '/api/v1/compliance/terms',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags,
        summary: 'Publish partner terms',
        description: 'A new version (the next number unless given) or a translation of the current one. Published terms never change. A new version asks every partner of the programme to accept it (email `terms_to_accept`); where the programme gates on terms, their statements are held until they have. Honours Idempotency-Key.',
        body: Type.Object(
          {
            programme_id: Type.String({ maxLength: 40, examples: ['default'] }),
            version: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000 })),
            language: Type.String({ pattern: '^[a-z]{2}$', examples: ['en'] }),
            title: Type.String({ minLength: 1, maxLength: 200, examples: ['Introducing broker agreement'] }),
            body: Type.String({ minLength: 1, maxLength: 200000, description: 'The terms\' text (Markdown or plain text).' }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ data: TermsView }), 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const data = await idempotentWrite(db, request, reply, 201, (tx) => publishTerms(tx, request.body, who(request)));
      request.audited = true;
      reply.code(201);
      return { data };
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/terms',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags,
        summary: 'The partner\'s current terms and its acceptance',
        description: 'The current version of its programme\'s terms in the partner\'s language (English, then any, when not translated), the version it accepted last and whether it must accept.',
        params: PartnerIdParam,
        response: {
          200: Type.Object({
            data: Type.Object({ programme_id: Type.String(), current: Type.Union([TermsView, Type.Null()]), accepted_version: Type.Union([Type.Integer(), Type.Null()]), accepted_at: Type.Union([Type.String(), Type.Null()]), needs_acceptance: Type.Boolean() }),
          }),
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, false);
      await assertPartner(db, id);
      return { data: await partnerTerms(db, id) };
    },
  );

  app.post(
    '/api/v1/partners/:partner_id/terms/accept',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags,
        summary: 'Accept the current terms',
        description: 'Records who accepted which version, when and from which address. Only the current version can be accepted (409 `terms_outdated` otherwise); accepting again changes nothing. The partner itself only.',
        params: PartnerIdParam,
        body: Type.Object({ version: Type.Integer({ minimum: 1, maximum: 100000, examples: [2] }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Any() }), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      // Acceptance is the partner's own act: broker staff cannot accept on its behalf.
      if (request.caller?.partnerId !== id) throw request.caller?.partnerId === undefined ? new AppError(403, 'partner_only', 'Only the partner itself can accept its terms.') : hidden();
      const data = await db.transaction(async (tx) => {
        await assertPartner(tx, id);
        return acceptTerms(tx, id, request.body.version, who(request));
      });
      request.audited = true;
      return { data };
    },
  );
}
