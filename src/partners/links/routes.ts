import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import QRCode from 'qrcode';
import { Type } from 'typebox';
import { idempotentWrite } from '../../http/idempotency.ts';
import { ErrorBody, PageMeta, PageQuery } from '../../http/schemas.ts';
import { AppError } from '../../shared/errors.ts';
import { Filters, readPage } from '../../shared/pagination.ts';
import { assertPartnerAccess } from '../access.ts';
import { CODE_PATTERN } from '../ids.ts';
import { LinkIdParam, LinkView, PartnerIdParam, utmFields } from '../schemas.ts';
import { Issues, text } from '../validate.ts';
import { checkDestination, MAX_DESTINATION } from './destination.ts';
import { createLink, getLink, LINK_COLUMNS, LINK_KINDS, type Link, type LinkFields, linkStats, updateLink } from './links.ts';
import { linkRuntime } from './runtime.ts';

const editable = {
  label: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 200 })], { description: 'A name for the partner\'s own use.' })),
  destination_url: Type.String({
    minLength: 1,
    maxLength: MAX_DESTINATION,
    description: 'Where the link leads: a registration page, an app-store page, or a deep link into the broker\'s app (schemes in OPENIB_LINK_APP_SCHEMES).',
    examples: ['https://broker.example/register?lang=en'],
  }),
  campaign_id: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 200 })], { description: 'Carried into customer.attributed for customers from this link.' })),
  ...utmFields,
};

const NewLinkBody = Type.Object(
  {
    ...editable,
    code: Type.Optional(Type.String({ pattern: CODE_PATTERN, description: 'A custom short code (matched case-insensitively); generated when left out.' })),
    kind: Type.Optional(Type.Union(LINK_KINDS.map((k) => Type.Literal(k)), { default: 'client' })),
  },
  { additionalProperties: false, examples: [{ destination_url: 'https://broker.example/register', campaign_id: 'spring-2026', utm_source: 'ib', utm_medium: 'referral' }] },
);

const LinkPatch = Type.Object(
  {
    ...editable,
    destination_url: Type.Optional(editable.destination_url),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')], { description: 'A disabled link leads to OPENIB_DEFAULT_DESTINATION_URL and attributes nobody.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

type LinkBody = { label?: string | null; destination_url?: string; campaign_id?: string | null } & Record<string, unknown>;

export const linkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;
  const view = (link: Link) => ({ ...link, url: `${config.linkBaseUrl}/l/${link.code}` });

  function fields(body: LinkBody): LinkFields {
    const issues = new Issues();
    const out: LinkFields = {};
    if (body.destination_url !== undefined) {
      const checked = checkDestination(body.destination_url, config.linkAppSchemes);
      if ('reason' in checked) issues.add('destination_url', checked.reason);
      else out.destinationUrl = checked.value;
    }
    if (body.label !== undefined) out.label = text(body.label, 'label', issues);
    if (body.campaign_id !== undefined) out.campaignId = text(body.campaign_id, 'campaign_id', issues);
    for (const k of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const)
      if (body[k] !== undefined) out[k] = text(body[k] as string | null, k, issues);
    if (body.status !== undefined) out.status = body.status as LinkFields['status'];
    issues.throwIfAny();
    return out;
  }

  async function accessibleLink(request: { caller?: Parameters<typeof assertPartnerAccess>[1] }, linkId: string): Promise<Link> {
    const link = await getLink(db, linkId);
    if (!link) throw new AppError(404, 'not_found', 'No link with this id.');
    try {
      await assertPartnerAccess(db, request.caller, link.partner_id);
    } catch {
      throw new AppError(404, 'not_found', 'No link with this id.');
    }
    return link;
  }

  app.post(
    '/api/v1/partners/:partner_id/links',
    {
      config: { scope: 'partners:write' },
      schema: {
        tags: ['Links'],
        summary: 'Create an invite / tracking link',
        description: 'A partner may have any number of links. Share `url`; each visit is a click with its own click_id.',
        params: PartnerIdParam,
        body: NewLinkBody,
        response: { 201: LinkView, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const { partner_id } = request.params;
      await assertPartnerAccess(db, request.caller, partner_id);
      const [partner] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [partner_id]);
      if (!partner) throw new AppError(404, 'not_found', 'No partner with this id.');
      const f = fields(request.body);
      reply.status(201);
      return idempotentWrite(db, request, reply, 201, async (tx) =>
        view(await createLink(tx, { ...f, destinationUrl: f.destinationUrl as string, partnerId: partner_id, code: request.body.code, kind: request.body.kind })),
      );
    },
  );

  app.get(
    '/api/v1/partners/:partner_id/links',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Links'],
        summary: 'List a partner\'s links',
        description: 'Oldest first; filter by status.',
        params: PartnerIdParam,
        querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])), ...PageQuery }, { additionalProperties: false }),
        response: { 200: Type.Object({ data: Type.Array(LinkView), meta: PageMeta }), 404: ErrorBody },
      },
    },
    async (request) => {
      await assertPartnerAccess(db, request.caller, request.params.partner_id);
      const f = new Filters().add('partner_id = ?', request.params.partner_id);
      if (request.query.status) f.add('status = ?', request.query.status);
      const page = await readPage<Link>(db, 'links', LINK_COLUMNS, f, request.query);
      return { ...page, data: page.data.map(view) };
    },
  );

  app.get(
    '/api/v1/links/:link_id',
    {
      config: { scope: 'partners:read' },
      schema: { tags: ['Links'], summary: 'Get a link', description: 'With the `url` to share.', params: LinkIdParam, response: { 200: LinkView, 404: ErrorBody } },
    },
    async (request) => view(await accessibleLink(request, request.params.link_id)),
  );

  app.patch(
    '/api/v1/links/:link_id',
    {
      config: { scope: 'partners:write' },
      schema: {
        tags: ['Links'],
        summary: 'Change or disable a link',
        description: 'The code never changes, so printed links and QR codes keep working; disable a link instead of deleting it.',
        params: LinkIdParam,
        body: LinkPatch,
        response: { 200: LinkView, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      await accessibleLink(request, request.params.link_id);
      const f = fields(request.body);
      const { link } = await db.transaction((tx) => updateLink(tx, request.params.link_id, f));
      linkRuntime(app.ctx)?.cache.forget(link.code);
      return view(link);
    },
  );

  app.get(
    '/api/v1/links/:link_id/stats',
    {
      config: { scope: 'partners:read' },
      schema: {
        tags: ['Links'],
        summary: 'Clicks and registrations of a link',
        description: 'Clicks are written in batches, so the newest quarter second of clicks may not be counted yet.',
        params: LinkIdParam,
        response: {
          200: Type.Object({
            clicks: Type.Integer({ description: 'Clicks by people: clicks marked as bots are not counted (docs/risk.md).' }),
            unique_visitors: Type.Integer({ description: 'Distinct hashed IP addresses of those clicks.' }),
            bot_clicks: Type.Integer({ description: 'Clicks marked as bots: a data-centre address (OPENIB_RISK_DATACENTRE_CIDRS) or an automated user agent.' }),
            first_click_at: Type.Union([Type.Null(), Type.String({ format: 'date-time' })]),
            last_click_at: Type.Union([Type.Null(), Type.String({ format: 'date-time' })]),
            registrations: Type.Integer({ description: 'Customers attributed through this link.' }),
          }),
          404: ErrorBody,
        },
      },
    },
    async (request) => {
      await accessibleLink(request, request.params.link_id);
      return linkStats(db, request.params.link_id);
    },
  );

  const QrQuery = Type.Object(
    {
      size: Type.Optional(Type.Integer({ minimum: 64, maximum: 2048, default: 512, description: 'Width in pixels (PNG) or user units (SVG).' })),
      margin: Type.Optional(Type.Integer({ minimum: 0, maximum: 16, default: 2, description: 'Quiet zone in modules.' })),
    },
    { additionalProperties: false },
  );
  for (const format of ['png', 'svg'] as const) {
    app.get(
      `/api/v1/links/:link_id/qr.${format}`,
      {
        config: { scope: 'partners:read' },
        schema: {
          tags: ['Links'],
          summary: `The link as a QR code (${format.toUpperCase()})`,
          description: 'Encodes the link\'s `url`; error correction level M.',
          params: LinkIdParam,
          querystring: QrQuery,
          response: { 200: Type.Any({ description: format === 'png' ? 'image/png' : 'image/svg+xml' }), 404: ErrorBody },
        },
      },
      async (request, reply) => {
        const link = await accessibleLink(request, request.params.link_id);
        const url = view(link).url;
        const options = { errorCorrectionLevel: 'M' as const, margin: request.query.margin ?? 2, width: request.query.size ?? 512 };
        reply.header('cache-control', 'private, max-age=3600');
        if (format === 'png') return reply.type('image/png').send(await QRCode.toBuffer(url, { ...options, type: 'png' }));
        return reply.type('image/svg+xml').send(await QRCode.toString(url, { ...options, type: 'svg' }));
      },
    );
  }
};
