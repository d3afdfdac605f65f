import { stringify } from 'csv-stringify/sync';
import { Type } from 'typebox';
import { actorOf } from '../audit/http.ts';
import { recordAudit } from '../audit/record.ts';
import { idempotentWrite } from '../http/idempotency.ts';
import { ErrorBody } from '../http/schemas.ts';
import { PartnerIdParam } from '../partners/schemas.ts';
import { csvCell } from '../shared/csv.ts';
import { assertYear, currentTaxForm, FORM_TYPES, necSummary, submitTaxForm } from './tax-forms.ts';
import { TaxFormBody, TaxFormView } from './schemas.ts';
import { type ComplianceApp, type ComplianceRouteContext, tags, assertOwnOrBroker, assertPartner } from './route-access.ts';

/** Tax forms (W-9, W-8BEN, W-8BEN-E) and the yearly 1099-NEC file. */
export function taxRoutes(app: ComplianceApp, c: ComplianceRouteContext): void {
  const { db, today, who } = c;
  // ---- Tax forms ----

  app.get(
    '/api/v1/partners/:partner_id/tax-form',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags,
        summary: 'The partner\'s current tax form',
        description: 'The latest W-9, W-8BEN or W-8BEN-E with its signature; tax identification numbers masked to their last four digits. `data` is null while none is on file.',
        params: PartnerIdParam,
        response: { 200: Type.Object({ data: Type.Union([TaxFormView, Type.Null()]) }), 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, false);
      await assertPartner(db, id);
      return { data: await currentTaxForm(db, id) };
    },
  );

  app.post(
    '/api/v1/partners/:partner_id/tax-form',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags,
        summary: 'Sign and submit a tax form',
        description: `W-9 (US persons), W-8BEN (foreign individuals) or W-8BEN-E (foreign entities) as structured fields, signed by typing the signer's name and certifying; the date and address are recorded. Sealed at rest. The new form replaces the current one; earlier ones are kept. Honours Idempotency-Key. Forms: ${FORM_TYPES.join(', ')}.`,
        params: PartnerIdParam,
        body: TaxFormBody,
        response: { 201: Type.Object({ data: TaxFormView }), 403: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, true);
      await assertPartner(db, id);
      const saved = await idempotentWrite(db, request, reply, 201, async (tx) => {
        const form = await submitTaxForm(tx, id, request.body, who(request), today());
        for (const k of ['tin', 'foreign_tin']) if (typeof form.data[k] === 'string') form.data[k] = `••••${(form.data[k] as string).slice(-4)}`;
        return form;
      });
      request.audited = true;
      reply.code(201);
      return { data: saved };
    },
  );

  app.get(
    '/api/v1/compliance/tax/1099-nec',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'Annual 1099-NEC summary (US payees)',
        description: 'Partners with a W-9 on file paid at least $600 in USD statements marked paid in the year, with the name, TIN and address from their W-9, for the broker\'s tax filing. CSV (default) or JSON. Each export is audited.',
        querystring: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100, examples: [2026] }), format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')])) }, { additionalProperties: false }),
        response: { 200: Type.Union([Type.Object({ data: Type.Array(Type.Record(Type.String(), Type.Any())) }), Type.String({ description: 'text/csv' })]), 422: ErrorBody },
      },
    },
    async (request, reply) => {
      assertYear(request.query.year);
      const rows = await necSummary(db, request.query.year);
      await recordAudit(db, { actor: actorOf(request), action: 'tax.1099_nec.export', subject: { type: 'tax_year', id: String(request.query.year) }, after: { partners: rows.length }, ip: request.ip });
      if (request.query.format === 'json') return { data: rows };
      const columns = ['partner_id', 'name', 'business_name', 'tin_type', 'tin', 'address', 'city_state_zip', 'amount_usd', 'statements'] as const;
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="1099-nec-${request.query.year}.csv"`);
      return stringify([[...columns], ...rows.map((r) => columns.map((c) => csvCell(String(r[c]))))]);
    },
  );
}
