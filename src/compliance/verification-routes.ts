import { Type } from 'typebox';
import { actorOf } from '../audit/http.ts';
import { recordAudit } from '../audit/record.ts';
import { ErrorBody } from '../http/schemas.ts';
import { PartnerIdParam } from '../partners/schemas.ts';
import { AppError, validationFailed } from '../shared/errors.ts';
import { storeDocument, readDocument, DOCUMENT_KINDS } from './documents.ts';
import { getVerification, reviewVerification, saveDetails, submitVerification, validateDetails, VERIFICATION_STATUSES } from './verification.ts';
import { DocumentView, VerificationDetailsBody, VerificationView } from './schemas.ts';
import { type ComplianceApp, type ComplianceRouteContext, tags, assertOwnOrBroker, assertPartner } from './route-access.ts';

/** Due diligence: what the partner sends and the compliance officer decides. */
export function verificationRoutes(app: ComplianceApp, c: ComplianceRouteContext): void {
  const { db, s, today, who } = c;
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
}
