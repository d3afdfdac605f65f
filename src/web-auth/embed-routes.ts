import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { requirePartner } from '../partners/partners.ts';
import { AppError } from '../shared/errors.ts';
import { issueEmbedToken } from './embed-tokens.ts';
import { widgetData } from './widget-data.ts';

const WIDGET_FILE = new URL('../../web/widget/openib-widget.js', import.meta.url);

const Kpi = Type.Object({
  value: Type.Union([Type.Integer(), Type.String()], { description: 'This month so far: counts as integers, money and lots as decimal strings.' }),
  previous: Type.Union([Type.Integer(), Type.String()], { description: 'The same days of the month before.' }),
  delta: Type.String(),
  percent: Type.Union([Type.String(), Type.Null()]),
});

const WidgetResponse = Type.Object({
  partner: Type.Object({ id: Type.String(), name: Type.String(), status: Type.String() }),
  currency: Type.String({ examples: ['USD'] }),
  time_zone: Type.String({ description: 'The broker time zone the dates are in.' }),
  period: Type.Object({ from: Type.String({ format: 'date' }), to: Type.String({ format: 'date' }) }, { description: 'This month up to today.' }),
  previous_period: Type.Object({ from: Type.String({ format: 'date' }), to: Type.String({ format: 'date' }) }, { description: 'The same days of the previous month.' }),
  highlights: Type.Array(Type.String(), { description: 'The KPIs the widget shows, in order.' }),
  kpis: Type.Record(Type.String(), Kpi, { description: 'Every KPI of the partner with its subtree.' }),
  invite_link: Type.Union([
    Type.Null(),
    Type.Object({ code: Type.String(), url: Type.String(), qr_svg: Type.String({ description: 'The URL as a QR code, an SVG document.' }) }),
  ]),
  series: Type.Object({
    metric: Type.String(),
    points: Type.Array(Type.Object({ date: Type.String({ format: 'date' }), value: Type.String() }), { description: 'The last 30 days, one point a day.' }),
  }),
});

export const embedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, clock, signingKey } = app.ctx;
  const widgetSource = readFileSync(WIDGET_FILE, 'utf8');

  app.post(
    '/api/v1/embed-tokens',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Widget'],
        summary: 'Mint an embed token for the partner widget',
        description:
          'For the broker\'s server, with an admin API client: a short-lived token (OPENIB_EMBED_TOKEN_TTL_SECONDS, 900 by default) that lets one page show one partner\'s widget. It works only on /api/v1/embed/* and stops working when the minting API client is revoked. Never mint it in the browser.',
        body: Type.Object(
          {
            partner_id: Type.String({ minLength: 1, maxLength: 200 }),
            ttl_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, description: 'A shorter lifetime than the configured one; never longer.' })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ token: Type.String(), expires_at: Type.String({ format: 'date-time' }), expires_in: Type.Integer({ examples: [900] }) }),
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const caller = request.caller!;
      if (caller.via !== 'token')
        throw new AppError(403, 'api_client_only', 'Embed tokens are minted by the broker\'s server with an admin API client token, not from a browser session.');
      const partner = await requirePartner(db, request.body.partner_id);
      if (partner.status === 'suspended') throw new AppError(409, 'partner_suspended', 'The partner is suspended; its widget cannot be shown.');
      const ttl = Math.min(request.body.ttl_seconds ?? config.web.embedTokenTtlSeconds, config.web.embedTokenTtlSeconds);
      const { token, expiresAt } = await issueEmbedToken(signingKey, { clientId: caller.clientId, partnerId: partner.partner_id }, clock.now(), ttl);
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({ token, expires_at: expiresAt.toISOString(), expires_in: ttl });
    },
  );

  app.get(
    '/api/v1/embed/widget',
    {
      config: { embed: true },
      schema: {
        tags: ['Widget'],
        summary: 'What the partner widget shows',
        description:
          'Authenticated by an embed token only ("Authorization: Bearer <embed token>"): the partner\'s name, KPIs this month against the same days of the month before, its invite link with a QR code and a 30-day daily series. 401 `token_expired` or `invalid_token` otherwise.',
        security: [{ bearer: [] }],
        response: { 200: WidgetResponse, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const caller = request.caller!;
      const partner = await requirePartner(db, caller.partnerId!);
      if (partner.status === 'suspended') throw new AppError(401, 'invalid_token', 'The partner of this embed token is suspended.');
      reply.header('cache-control', 'no-store');
      return widgetData(db, partner.partner_id, clock.now(), { timeZone: config.brokerTimeZone, linkBaseUrl: config.linkBaseUrl });
    },
  );

  app.get(
    '/widget.js',
    {
      config: { public: true },
      schema: { hide: true },
    },
    async (_request, reply) => {
      reply
        .type('text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=300')
        // Broker pages on other origins load this script.
        .header('cross-origin-resource-policy', 'cross-origin');
      return widgetSource;
    },
  );
};
