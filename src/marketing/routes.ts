import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { actorOf, auditRequest } from '../audit/http.ts';
import { idempotentWrite } from '../http/idempotency.ts';
import { ErrorBody } from '../http/schemas.ts';
import { sendCsv } from '../reporting/csv.ts';
import { AppError } from '../shared/errors.ts';
import { assertBrokerCaller, assertPartnerAccess } from '../partners/access.ts';
import { checkDestination, MAX_DESTINATION } from '../partners/links/destination.ts';
import { subtreeIds } from '../partners/tree-read.ts';
import { country, Issues, text } from '../partners/validate.ts';
import { checkUpload, FILE_TYPES, IMAGE_TYPES } from './files.ts';
import { createMaterial, getMaterial, listMaterials, type Material, materialFile, materialLink, materialNotFound, setMaterialStatus, snippetOf } from './materials.ts';
import { createSubmission, getSubmission, listSubmissions, submissionFile, submissionHistory, transitionSubmission } from './submissions.ts';

const Upload = Type.Object(
  {
    content_base64: Type.String({ description: 'The file, base64. At most 5 MB decoded.' }),
    file_name: Type.String({ minLength: 1, maxLength: 200, examples: ['banner-728x90.png'] }),
    content_type: Type.Optional(Type.String({ maxLength: 100, description: `Must agree with the file's content: ${FILE_TYPES.join(', ')}.` })),
  },
  { additionalProperties: false },
);
const MaterialKind = Type.Union([Type.Literal('banner'), Type.Literal('landing_page'), Type.Literal('text')]);
const SubmissionKind = Type.Union([Type.Literal('url'), Type.Literal('screenshot'), Type.Literal('file')]);
const SubmissionStatus = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('withdrawn')]);
const Language = Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$', description: 'Language of the material: ISO 639-1, optionally with a region.', examples: ['en'] });
const MaterialView = Type.Object({
  material_id: Type.String(),
  kind: MaterialKind,
  title: Type.String(),
  language: Type.String(),
  countries: Type.Array(Type.String(), { description: 'Clients\' countries it may be shown to; empty: all.' }),
  destination_url: Type.String(),
  body: Type.Union([Type.String(), Type.Null()]),
  file_name: Type.Union([Type.String(), Type.Null()]),
  content_type: Type.Union([Type.String(), Type.Null()]),
  file_size: Type.Union([Type.Integer(), Type.Null()]),
  file_sha256: Type.Union([Type.String(), Type.Null()]),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  file_url: Type.Union([Type.String(), Type.Null()], { description: 'Public address of the banner image (active materials).' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('archived')]),
  created_at: Type.String(),
});
const SubmissionView = Type.Object({
  submission_id: Type.String(),
  partner_id: Type.String(),
  kind: SubmissionKind,
  title: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  notes: Type.Union([Type.String(), Type.Null()]),
  file_name: Type.Union([Type.String(), Type.Null()]),
  content_type: Type.Union([Type.String(), Type.Null()]),
  file_size: Type.Union([Type.Integer(), Type.Null()]),
  file_sha256: Type.Union([Type.String(), Type.Null()]),
  status: SubmissionStatus,
  reason: Type.Union([Type.String(), Type.Null()], { description: 'Why it was rejected (or the approval note).' }),
  reviewed_by: Type.Union([Type.String(), Type.Null()]),
  reviewed_at: Type.Union([Type.String(), Type.Null()]),
  withdrawn_at: Type.Union([Type.String(), Type.Null()]),
  submitted_by: Type.Union([Type.String(), Type.Null()]),
  submitted_at: Type.String(),
});
const MaterialId = Type.Object({ material_id: Type.String({ maxLength: 64 }) });
const SubmissionId = Type.Object({ submission_id: Type.String({ maxLength: 64 }) });
const PartnerId = Type.Object({ partner_id: Type.String({ maxLength: 200 }) });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

export const marketingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;
  const fileUrl = (m: Pick<Material, 'material_id' | 'file_name'>) => (m.file_name ? `${config.publicUrl}/marketing/files/${m.material_id}` : null);
  const materialView = (m: Material) => ({ ...m, file_url: m.status === 'active' ? fileUrl(m) : null });

  async function visibleSubmission(request: FastifyRequest, id: string) {
    const s = await getSubmission(db, id);
    if (!s) throw new AppError(404, 'not_found', 'No marketing submission with this id.');
    try {
      await assertPartnerAccess(db, request.caller, s.partner_id);
    } catch {
      throw new AppError(404, 'not_found', 'No marketing submission with this id.');
    }
    return s;
  }

  // ---- the broker's library ----
  app.post(
    '/api/v1/marketing/materials',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['Marketing'],
        summary: 'Add a marketing material to the library',
        description:
          'A banner (an image file), a landing page (its address is the destination) or a text (`body`, where `{tracking_link}` is replaced by the partner\'s link), per language and for some clients\' countries (or all). Partners use it from the portal with their own tracking link.',
        body: Type.Object(
          {
            kind: MaterialKind,
            title: Type.String({ minLength: 1, maxLength: 200 }),
            language: Language,
            countries: Type.Optional(Type.Array(Type.String({ maxLength: 2 }), { maxItems: 250, uniqueItems: true, description: 'ISO 3166-1 countries; empty or left out: every country.' })),
            destination_url: Type.String({ minLength: 1, maxLength: MAX_DESTINATION, description: 'Where a click leads (for a landing page: the page).' }),
            body: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000 })),
            file: Type.Optional(Upload),
          },
          {
            additionalProperties: false,
            examples: [{ kind: 'text', title: 'Spring promotion', language: 'en', countries: ['GB'], destination_url: 'https://broker.example/register', body: 'Trade with a regulated broker: {tracking_link}. CFDs are complex instruments…' }],
          },
        ),
        response: { 201: MaterialView, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const issues = new Issues();
      const title = text(b.title, 'title', issues);
      const countries = (b.countries ?? []).map((c, i) => country(c, `countries[${i}]`, issues)).filter((c): c is string => typeof c === 'string');
      const destination = checkDestination(b.destination_url, config.linkAppSchemes);
      if ('reason' in destination) issues.add('destination_url', destination.reason);
      const file = b.file ? checkUpload(b.file, 'file', issues, b.kind === 'banner' ? IMAGE_TYPES : FILE_TYPES) : undefined;
      if (b.kind === 'banner' && !b.file) issues.add('file', 'a banner needs its image');
      if (b.kind === 'text' && !b.body) issues.add('body', 'a text needs its body');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      if (b.body && /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(b.body)) issues.add('body', 'must not contain control or direction-override characters');
      issues.throwIfAny('The material is invalid; nothing was stored.');
      reply.status(201);
      return idempotentWrite(db, request, reply, 201, async (tx) => {
        const m = await createMaterial(tx, { kind: b.kind, title: title as string, language: b.language, countries, destinationUrl: (destination as { value: string }).value, body: b.body, file, actor: actorOf(request) });
        await auditRequest(tx, request, { action: 'marketing_materials.create', subject: { type: 'marketing_materials', id: m.material_id }, after: m });
        return materialView(m);
      });
    },
  );

  app.get(
    '/api/v1/marketing/materials',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Marketing'],
        summary: 'The library, for the broker (newest first, at most 500)',
        querystring: Type.Object(
          { status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('archived')])), language: Type.Optional(Language), kind: Type.Optional(MaterialKind) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(MaterialView) }) },
      },
    },
    async (request) => ({ data: (await listMaterials(db, request.query)).map(materialView) }),
  );

  for (const [action, status] of [['archive', 'archived'], ['restore', 'active']] as const)
    app.post(
      `/api/v1/marketing/materials/:material_id/${action}`,
      {
        config: { scope: 'admin', auditsItself: true },
        schema: {
          tags: ['Marketing'],
          summary: action === 'archive' ? 'Archive a material: partners no longer see it, its banner image stops being served' : 'Put an archived material back in the library',
          params: MaterialId,
          response: { 200: MaterialView, 404: ErrorBody },
        },
      },
      async (request) =>
        db.transaction(async (tx) => {
          const before = await getMaterial(tx, request.params.material_id);
          const after = await setMaterialStatus(tx, request.params.material_id, status);
          if (!before || !after) throw materialNotFound();
          await auditRequest(tx, request, { action: `marketing_materials.${action}`, subject: { type: 'marketing_materials', id: after.material_id }, before, after });
          return materialView(after);
        }),
    );

  // The banner image, public so partners' pages can show it; only while the material is active.
  app.get(
    '/marketing/files/:material_id',
    { config: { public: true }, schema: { hide: true, params: MaterialId } },
    async (request, reply) => {
      const f = await materialFile(db, request.params.material_id, true);
      if (!f) throw materialNotFound();
      reply.header('content-type', f.content_type).header('x-content-type-options', 'nosniff').header('cache-control', 'public, max-age=300').header('content-security-policy', "default-src 'none'");
      reply.send(Buffer.from(f.base64, 'base64'));
      return reply;
    },
  );

  // ---- partners using the library ----
  app.get(
    '/api/v1/partners/:partner_id/marketing/materials',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Marketing'],
        summary: 'Materials a partner may use',
        description: 'Active materials, filtered by language and by the clients\' country the partner targets (materials for all countries are always listed).',
        params: PartnerId,
        querystring: Type.Object({ language: Type.Optional(Language), country: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(MaterialView) }), 404: ErrorBody },
      },
    },
    async (request) => {
      await assertPartnerAccess(db, request.caller, request.params.partner_id);
      const [p] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [request.params.partner_id]);
      if (!p) throw new AppError(404, 'not_found', 'No partner with this id.');
      return { data: (await listMaterials(db, { ...request.query, status: 'active' })).map(materialView) };
    },
  );

  app.post(
    '/api/v1/partners/:partner_id/marketing/materials/:material_id/use',
    {
      config: { scope: 'partners:write' },
      schema: {
        tags: ['Marketing'],
        summary: 'Get a material with the partner\'s tracking link embedded',
        description:
          'The partner\'s tracking link for this material (created the first time: campaign `material:<id>`, leading to the material\'s destination) and the snippet to paste: a banner as HTML around the link, a text with the link in place of `{tracking_link}`, a landing page as the link itself.',
        params: Type.Object({ ...PartnerId.properties, ...MaterialId.properties }),
        response: { 200: Type.Object({ material_id: Type.String(), link_id: Type.String(), tracking_link: Type.String(), snippet: Type.String() }), 404: ErrorBody },
      },
    },
    async (request) => {
      await assertPartnerAccess(db, request.caller, request.params.partner_id);
      const m = await getMaterial(db, request.params.material_id);
      if (!m || m.status !== 'active') throw materialNotFound();
      const [p] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [request.params.partner_id]);
      if (!p) throw new AppError(404, 'not_found', 'No partner with this id.');
      const link = await db.transaction((tx) => materialLink(tx, request.params.partner_id, m));
      const trackingLink = `${config.linkBaseUrl}/l/${link.code}`;
      return { material_id: m.material_id, link_id: link.link_id, tracking_link: trackingLink, snippet: snippetOf(m, trackingLink, fileUrl(m) ?? '') };
    },
  );

  // ---- partners' own promotions, for approval ----
  app.post(
    '/api/v1/partners/:partner_id/marketing/submissions',
    {
      config: { scope: 'partners:write', auditsItself: true },
      schema: {
        tags: ['Marketing'],
        summary: 'Submit a promotion for approval',
        description: `A promotion the partner wants to use: its address (\`url\`), a \`screenshot\` (${IMAGE_TYPES.join(', ')}) or a \`file\` (${FILE_TYPES.join(', ')}), at most 5 MB, the type told by the file's content. It starts pending; the broker approves or rejects it.`,
        params: PartnerId,
        body: Type.Object(
          {
            kind: SubmissionKind,
            title: Type.String({ minLength: 1, maxLength: 200 }),
            url: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_DESTINATION, description: 'Where the promotion is (required for kind url, optional otherwise).' })),
            notes: Type.Optional(Type.String({ maxLength: 2000 })),
            file: Type.Optional(Upload),
          },
          { additionalProperties: false, examples: [{ kind: 'url', title: 'My review page', url: 'https://ib.example/broker-review' }] },
        ),
        response: { 201: SubmissionView, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      const [p] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [partner_id]);
      if (!p) throw new AppError(404, 'not_found', 'No partner with this id.');
      const b = request.body;
      const issues = new Issues();
      const title = text(b.title, 'title', issues);
      const notes = b.notes === undefined ? undefined : text(b.notes, 'notes', issues, 2000);
      let url: string | undefined;
      if (b.url !== undefined) {
        const checked = checkDestination(b.url, []);
        if ('reason' in checked) issues.add('url', checked.reason);
        else url = checked.value;
      }
      if (b.kind === 'url' && b.url === undefined) issues.add('url', 'is required for a url submission');
      if (b.kind !== 'url' && !b.file) issues.add('file', `is required for a ${b.kind} submission`);
      if (b.kind === 'url' && b.file) issues.add('file', 'goes with kind screenshot or file');
      const file = b.file && b.kind !== 'url' ? checkUpload(b.file, 'file', issues, b.kind === 'screenshot' ? IMAGE_TYPES : FILE_TYPES) : undefined;
      issues.throwIfAny('The submission is invalid; nothing was stored.');
      reply.status(201);
      return idempotentWrite(db, request, reply, 201, async (tx) => {
        const s = await createSubmission(tx, { partnerId: partner_id, kind: b.kind, title: title as string, url, notes: notes ?? undefined, file, actor: actorOf(request) });
        await auditRequest(tx, request, { action: 'marketing_submissions.create', subject: { type: 'marketing_submissions', id: s.submission_id }, after: s });
        return s;
      });
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/marketing/submissions',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Marketing'],
        summary: 'A partner\'s promotions and their status (its subtree\'s with `subtree=true`)',
        params: PartnerId,
        querystring: Type.Object({ subtree: Type.Optional(Type.Boolean()), status: Type.Optional(SubmissionStatus) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(SubmissionView) }), 404: ErrorBody },
      },
    },
    async (request) => {
      await assertPartnerAccess(db, request.caller, request.params.partner_id);
      const ids = request.query.subtree ? await subtreeIds(db, request.params.partner_id) : [request.params.partner_id];
      const rows = await listSubmissions(db, { partnerIds: ids, status: request.query.status });
      return { data: rows.map(({ partner_name: _n, ...s }) => s) };
    },
  );

  app.get(
    '/api/v1/marketing/submissions',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Marketing'],
        summary: 'All partners\' promotions, for review (newest first)',
        querystring: Type.Object({ status: Type.Optional(SubmissionStatus) }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(Type.Object({ ...SubmissionView.properties, partner_name: Type.String() })) }) },
      },
    },
    async (request) => ({ data: await listSubmissions(db, { status: request.query.status }) }),
  );

  app.get(
    '/api/v1/marketing/submissions.csv',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Marketing'],
        summary: 'Export promotions and every review step as CSV, for a regulator',
        description: 'One row per step (submitted, approved, rejected, withdrawn) of every promotion submitted in [from, to]: who, when, why, with the promotion\'s address and the SHA-256 of its file.',
        querystring: Type.Object({ from: Type.Optional(Day), to: Type.Optional(Day), status: Type.Optional(SubmissionStatus) }, { additionalProperties: false }),
        produces: ['text/csv'],
        response: { 200: Type.String() },
      },
    },
    async (request, reply) => {
      const rows = await listSubmissions(db, request.query);
      const steps = await submissionHistory(db, rows.map((r) => r.submission_id));
      const byId = new Map(rows.map((r) => [r.submission_id, r]));
      sendCsv(
        reply,
        'marketing-submissions',
        steps.map((h) => {
          const s = byId.get(h.submission_id)!;
          return {
            submission_id: s.submission_id, partner_id: s.partner_id, partner_name: s.partner_name, kind: s.kind, title: s.title, url: s.url, file_name: s.file_name, file_sha256: s.file_sha256,
            submitted_at: new Date(s.submitted_at).toISOString(), step: h.status, step_at: new Date(h.at).toISOString(), step_by: h.actor, step_reason: h.reason, current_status: s.status,
          };
        }),
      );
      return reply;
    },
  );

  app.get(
    '/api/v1/marketing/submissions/:submission_id',
    {
      config: { scope: 'partners:read' },
      schema: { tags: ['Marketing'], summary: 'One promotion, with its history', params: SubmissionId, response: { 200: Type.Object({ ...SubmissionView.properties, history: Type.Array(Type.Unknown()) }), 404: ErrorBody } },
    },
    async (request) => {
      const s = await visibleSubmission(request, request.params.submission_id);
      return { ...s, history: await submissionHistory(db, [s.submission_id]) };
    },
  );

  app.get(
    '/api/v1/marketing/submissions/:submission_id/file',
    { config: { scope: 'partners:read' }, schema: { tags: ['Marketing'], summary: 'Download a promotion\'s file', params: SubmissionId, produces: FILE_TYPES, response: { 404: ErrorBody } } },
    async (request, reply) => {
      const s = await visibleSubmission(request, request.params.submission_id);
      const f = await submissionFile(db, s.submission_id);
      if (!f) throw new AppError(404, 'not_found', 'This promotion has no file.');
      reply
        .header('content-type', f.content_type)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'")
        .header('content-disposition', `attachment; filename="${f.file_name.replace(/[^\w.-]/g, '_')}"`);
      reply.send(Buffer.from(f.base64, 'base64') as never);
      return reply;
    },
  );

  for (const action of ['approve', 'reject', 'withdraw'] as const)
    app.post(
      `/api/v1/marketing/submissions/:submission_id/${action}`,
      {
        config: { scope: action === 'withdraw' ? 'partners:write' : 'admin', auditsItself: true },
        schema: {
          tags: ['Marketing'],
          summary: { approve: 'Approve a pending promotion', reject: 'Reject a pending promotion, with the reason', withdraw: 'Withdraw a pending or approved promotion (the partner or the broker)' }[action],
          params: SubmissionId,
          body: Type.Object(
            { reason: action === 'reject' ? Type.String({ minLength: 1, maxLength: 2000 }) : Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) },
            { additionalProperties: false },
          ),
          response: { 200: SubmissionView, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
        },
      },
      async (request) => {
        if (action !== 'withdraw') assertBrokerCaller(request.caller, `${action} a promotion`);
        const s = await visibleSubmission(request, request.params.submission_id);
        const issues = new Issues();
        const reason = request.body.reason === undefined ? undefined : text(request.body.reason, 'reason', issues, 2000);
        issues.throwIfAny();
        return db.transaction(async (tx) => {
          const { before, after } = await transitionSubmission(tx, s.submission_id, action, actorOf(request), reason ?? undefined);
          await auditRequest(tx, request, { action: `marketing_submissions.${action}`, subject: { type: 'marketing_submissions', id: s.submission_id }, before, after });
          return after;
        });
      },
    );
};
