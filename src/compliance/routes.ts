import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import { Type } from 'typebox';
import { actorOf } from '../audit/http.ts';
import { recordAudit } from '../audit/record.ts';
import type { Sql } from '../db/index.ts';
import type { Caller } from '../http/context.ts';
import { idempotentWrite } from '../http/idempotency.ts';
import { ErrorBody } from '../http/schemas.ts';
import { PartnerIdParam } from '../partners/schemas.ts';
import { csvCell } from '../shared/csv.ts';
import { businessDate } from '../shared/dates.ts';
import { AppError, validationFailed } from '../shared/errors.ts';
import { storeDocument, readDocument, DOCUMENT_KINDS } from './documents.ts';
import { EMAIL_KINDS, EMAIL_LANGUAGES, type EmailKind } from './email/catalogue.ts';
import { emailPreferences, setEmailPreferences } from './email/outbox.ts';
import { payoutGates } from './gates.ts';
import { listProgrammes, setPartnerProgramme, upsertProgramme } from './programmes.ts';
import { setRegisterConsent, terminatePartner } from './register.ts';
import { assertYear, currentTaxForm, FORM_TYPES, necSummary, submitTaxForm } from './tax-forms.ts';
import { acceptTerms, listTerms, partnerTerms, publishTerms } from './terms.ts';
import { type Actor, getVerification, reviewVerification, saveDetails, submitVerification, validateDetails, VERIFICATION_STATUSES } from './verification.ts';
import { DocumentView, GateView, ProgrammeView, TaxFormBody, TaxFormView, TermsView, VerificationDetailsBody, VerificationView } from './schemas.ts';

const tags = ['Compliance'];
const hidden = () => new AppError(404, 'not_found', 'No partner with this id.');

/**
 * A partner-bound caller reaches its own compliance records only (not its sub-IBs': identity
 * documents and tax forms are the partner's own); broker callers need admin (read:all to read).
 */
function assertOwnOrBroker(caller: Caller | undefined, partnerId: string, write: boolean): void {
  if (caller?.partnerId !== undefined) {
    if (caller.partnerId !== partnerId) throw hidden();
    return;
  }
  const scopes = caller?.scopes ?? [];
  if (scopes.includes('admin') || (!write && scopes.includes('read:all'))) return;
  throw new AppError(403, 'forbidden', 'Compliance records are for the partner itself and for admins.');
}

async function assertPartner(db: Sql, partnerId: string): Promise<void> {
  const [row] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [partnerId]);
  if (!row) throw hidden();
}

export const complianceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, clock } = app.ctx;
  const s = config.compliance;
  const today = () => businessDate(clock.now().toISOString(), config.brokerTimeZone);
  const who = (request: FastifyRequest): Actor => ({ actor: actorOf(request), ip: request.ip, publicUrl: config.publicUrl });
  await app.register(multipart, { limits: { fileSize: s.documentMaxBytes, files: 1, fields: 4, fieldSize: 200, parts: 5 } });

  // ---- Due diligence: the partner's side ----

  app.get(
    '/api/v1/partners/:partner_id/verification',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags,
        summary: 'Read a partner\'s verification',
        description: 'Status (not_started, submitted, more_requested, approved, rejected, expired), the details given, what compliance asked for or why it rejected, and the documents uploaded (without their content). The partner itself or an admin.',
        params: PartnerIdParam,
        response: { 200: Type.Object({ data: VerificationView }), 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, false);
      await assertPartner(db, id);
      return { data: await getVerification(db, id) };
    },
  );

  app.put(
    '/api/v1/partners/:partner_id/verification',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags,
        summary: 'Fill in a partner\'s due-diligence details',
        description: 'Legal name, individual or company, registration number (companies), country, the regulatory authorisation when it has one, and the owners/directors. Stored sealed. Refused (409) while the verification is submitted or approved. The status is not part of the body: it moves only by submitting and by review.',
        params: PartnerIdParam,
        body: VerificationDetailsBody,
        response: { 200: Type.Object({ data: VerificationView }), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, true);
      const details = validateDetails(request.body);
      await db.transaction(async (tx) => {
        await assertPartner(tx, id);
        await saveDetails(tx, id, details, who(request));
      });
      request.audited = true;
      return { data: await getVerification(db, id) };
    },
  );

  app.post(
    '/api/v1/partners/:partner_id/verification/documents',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags,
        summary: 'Upload a due-diligence document',
        description: `multipart/form-data with fields \`kind\` (${DOCUMENT_KINDS.join(', ')}) and optionally \`expires_on\` (YYYY-MM-DD, e.g. a passport's expiry) before a part \`file\`. PDF, PNG or JPEG, judged by the file's content (its first bytes), not its name or declared type (415 otherwise); at most OPENIB_COMPLIANCE_DOCUMENT_MAX_BYTES (413). Stored encrypted with the key ring.`,
        params: PartnerIdParam,
        consumes: ['multipart/form-data'],
        response: { 201: Type.Object({ data: DocumentView }), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, true);
      await assertPartner(db, id);
      if (!request.isMultipart()) throw new AppError(415, 'unsupported_media_type', 'Send the document as multipart/form-data with fields "kind" (and "expires_on") and a part "file".');
      const fields: Record<string, string> = {};
      let file: { bytes: Buffer; type: string; name: string } | undefined;
      const tooLarge = () => new AppError(413, 'payload_too_large', `The document is larger than ${s.documentMaxBytes} bytes (OPENIB_COMPLIANCE_DOCUMENT_MAX_BYTES).`);
      try {
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            fields[part.fieldname] = String(part.value);
            continue;
          }
          if (part.fieldname !== 'file' || file) {
            part.file.resume();
            continue;
          }
          const bytes = await part.toBuffer();
          file = { bytes, type: part.mimetype, name: part.filename };
        }
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
        if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') throw new AppError(413, 'payload_too_large', 'Send the fields "kind" and "expires_on" and one part "file".');
        if (err instanceof AppError) throw err;
        throw new AppError(400, 'bad_request', `The multipart body could not be read: ${(err as Error).message}`);
      }
      if (!file) throw validationFailed([{ field: 'file', reason: 'is required: the document (PDF, PNG or JPEG)' }]);
      const upload = file;
      const doc = await db.transaction((tx) =>
        storeDocument(tx, id, { kind: fields.kind ?? '', bytes: upload.bytes, declaredType: upload.type, fileName: upload.name, expiresOn: fields.expires_on || undefined }, who(request), today()),
      );
      request.audited = true;
      reply.code(201);
      return { data: doc };
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/verification/documents/:document_id',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags,
        summary: 'Download a due-diligence document',
        description: 'The file as uploaded, for the partner itself and for admins. A document of another partner answers 404. Each download by broker staff is audited.',
        params: Type.Object({ partner_id: Type.String({ maxLength: 100 }), document_id: Type.String({ maxLength: 64 }) }),
        produces: ['application/pdf', 'image/png', 'image/jpeg'],
        response: { 200: Type.Any({ description: 'The file\'s bytes (PDF, PNG or JPEG).' }), 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const { partner_id, document_id } = request.params;
      assertOwnOrBroker(request.caller, partner_id, false);
      const doc = await readDocument(db, partner_id, document_id);
      if (request.caller?.partnerId === undefined)
        await recordAudit(db, { actor: actorOf(request), action: 'partner.document.read', subject: { type: 'partner', id: partner_id }, after: { document_id }, ip: request.ip });
      const name = (doc.fileName ?? `document-${document_id.slice(0, 8)}`).replace(/[^A-Za-z0-9._-]/g, '_');
      reply.type(doc.type).header('content-disposition', `attachment; filename="${name}"`).header('x-content-type-options', 'nosniff');
      return reply.send(doc.bytes);
    },
  );

  app.post(
    '/api/v1/partners/:partner_id/verification/submit',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags,
        summary: 'Submit the verification for review',
        description: 'Moves not_started, more_requested, rejected or expired to submitted once the details are filled in and an identity document (and, for a company, company documents) is uploaded. Emits `partner.verification_changed`.',
        params: PartnerIdParam,
        response: { 200: Type.Object({ data: VerificationView }), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, true);
      await db.transaction(async (tx) => {
        await assertPartner(tx, id);
        await submitVerification(tx, id, who(request));
      });
      request.audited = true;
      return { data: await getVerification(db, id) };
    },
  );

  // ---- Due diligence: the compliance officer's side ----

  app.get(
    '/api/v1/compliance/verifications',
    {
      config: { scope: 'admin' },
      schema: {
        tags,
        summary: 'The verification queue',
        description: 'Partners with their verification status, oldest change first; `status=submitted` is the review queue.',
        querystring: Type.Object({ status: Type.Optional(Type.String({ enum: [...VERIFICATION_STATUSES], examples: ['submitted'] })) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            data: Type.Array(
              Type.Object({
                partner_id: Type.String(), partner_name: Type.String(), country: Type.Union([Type.String(), Type.Null()]), status: Type.String(),
                submitted_at: Type.Union([Type.String(), Type.Null()]), expires_on: Type.Union([Type.String(), Type.Null()]), documents: Type.Integer(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({
      data: await db.query<{ partner_id: string; partner_name: string; country: string | null; status: string; submitted_at: string | null; expires_on: string | null; documents: number }>(
        `SELECT p.partner_id, p.name AS partner_name, p.country::text AS country, coalesce(v.status, 'not_started') AS status, v.submitted_at,
                v.expires_on::text AS expires_on, (SELECT count(*)::int FROM partner_documents d WHERE d.partner_id = p.partner_id) AS documents
         FROM partners p LEFT JOIN partner_verifications v ON v.partner_id = p.partner_id
         WHERE ($1::text IS NULL OR coalesce(v.status, 'not_started') = $1) ORDER BY coalesce(v.updated_at, p.created_at), p.partner_id LIMIT 1000`,
        [request.query.status ?? null],
      ),
    }),
  );

  app.post(
    '/api/v1/partners/:partner_id/verification/review',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags,
        summary: 'Approve, reject or ask for more',
        description: 'Compliance staff decide on a submitted verification: `approve` (it expires with its earliest-expiring document), `reject` with a reason, or `request_more` with what is missing. Audited; emits `partner.verification_changed`; the partner is emailed.',
        params: PartnerIdParam,
        body: Type.Object(
          {
            action: Type.Union([Type.Literal('approve'), Type.Literal('reject'), Type.Literal('request_more')]),
            reason: Type.Optional(Type.String({ maxLength: 200, description: 'Required to reject or to ask for more; shown to the partner.' })),
          },
          { additionalProperties: false, examples: [{ action: 'request_more', reason: 'The proof of address is older than three months.' }] },
        ),
        response: { 200: Type.Object({ data: VerificationView }), 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      await db.transaction(async (tx) => {
        await assertPartner(tx, id);
        await reviewVerification(tx, id, request.body.action, request.body.reason, who(request), today());
      });
      request.audited = true;
      return { data: await getVerification(db, id) };
    },
  );

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

  // ---- The partner's compliance overview and settings (portal) ----

  app.get(
    '/api/v1/partners/:partner_id/compliance',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags,
        summary: 'What the partner still has to do before it is paid',
        description: 'Verification status, terms to accept, tax form on file, the payout gates of its programme and which of them hold its payouts now; its language, register consent and email choices.',
        params: PartnerIdParam,
        response: {
          200: Type.Object({
            data: Type.Object({
              programme_id: Type.String(),
              verification: Type.String(),
              terms_needs_acceptance: Type.Boolean(),
              tax_form: Type.Union([Type.String(), Type.Null()]),
              gates: GateView,
              language: Type.String(),
              register_consent: Type.Boolean(),
              terminated_on: Type.Union([Type.String(), Type.Null()]),
              emails: Type.Record(Type.String(), Type.Boolean()),
            }),
          }),
          403: ErrorBody,
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, false);
      const [p] = await db.query<{ programme_id: string; language: string; register_consent: boolean; terminated_on: string | null }>(
        'SELECT programme_id, language, register_consent, terminated_on::text AS terminated_on FROM partners WHERE partner_id = $1',
        [id],
      );
      if (!p) throw hidden();
      const [v, terms, form, gates, emails] = await Promise.all([getVerification(db, id), partnerTerms(db, id), currentTaxForm(db, id), payoutGates(db, [id]), emailPreferences(db, id)]);
      const gate = gates.get(id)!;
      return {
        data: {
          programme_id: p.programme_id, verification: v.status, terms_needs_acceptance: terms.needs_acceptance, tax_form: form?.form_type ?? null,
          gates: { held: gate.hold !== null, reason: gate.hold, missing: gate.missing }, language: p.language, register_consent: p.register_consent, terminated_on: p.terminated_on, emails,
        },
      };
    },
  );

  app.patch(
    '/api/v1/partners/:partner_id/compliance',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags,
        summary: 'Change the partner\'s language, register consent and email choices',
        description: `language: of its terms and emails (${EMAIL_LANGUAGES.join(', ')} have email texts; others get English). register_consent: whether it appears by name on the public affiliate register. emails: per kind, on or off (${EMAIL_KINDS.join(', ')}).`,
        params: PartnerIdParam,
        body: Type.Object(
          {
            language: Type.Optional(Type.String({ pattern: '^[a-z]{2}$', examples: ['es'] })),
            register_consent: Type.Optional(Type.Boolean()),
            emails: Type.Optional(Type.Partial(Type.Object(Object.fromEntries(EMAIL_KINDS.map((k) => [k, Type.Boolean()]))), { additionalProperties: false })),
          },
          { additionalProperties: false, examples: [{ language: 'es', register_consent: true, emails: { client_registered: true } }] },
        ),
        response: { 200: Type.Object({ ok: Type.Boolean() }), 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      assertOwnOrBroker(request.caller, id, true);
      const b = request.body;
      await db.transaction(async (tx) => {
        await assertPartner(tx, id);
        if (b.language) await tx.query('UPDATE partners SET language = $2, updated_at = now() WHERE partner_id = $1', [id, b.language]);
        if (b.register_consent !== undefined) await setRegisterConsent(tx, id, b.register_consent);
        if (b.emails) await setEmailPreferences(tx, id, b.emails as Partial<Record<EmailKind, boolean>>);
        await recordAudit(tx, { actor: actorOf(request), action: 'partner.compliance_settings', subject: { type: 'partner', id }, after: b, ip: request.ip });
      });
      request.audited = true;
      return { ok: true };
    },
  );

  app.post(
    '/api/v1/partners/:partner_id/terminate',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags,
        summary: 'Terminate a partner',
        description: 'Ends the relationship: the partner is suspended and its end date set (today unless given), which the public affiliate register shows. Audited; emits `partner.terminated`.',
        params: PartnerIdParam,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 200 }), on: Type.Optional(Type.String({ format: 'date', examples: ['2026-12-31'] })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ partner_id: Type.String(), terminated_on: Type.String() }), 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const id = request.params.partner_id;
      const on = request.body.on ?? today();
      await db.transaction(async (tx) => {
        await assertPartner(tx, id);
        await terminatePartner(tx, id, on, request.body.reason, who(request));
      });
      request.audited = true;
      return { partner_id: id, terminated_on: on };
    },
  );
};
