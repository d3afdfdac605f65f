import { blockListOf, botReason } from '../../risk/bot-traffic.ts';
import { createHmac } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { newClickId } from './click-id.ts';
import { redirectLocation } from './destination.ts';
import { startLinkRuntime } from './runtime.ts';

const CODE = /^[A-Za-z0-9_-]{1,64}$/;
const COUNTRY = /^[A-Za-z]{2}$/;
// Headers CDNs and load balancers put the visitor's country in.
const COUNTRY_HEADERS = ['cf-ipcountry', 'cloudfront-viewer-country', 'x-country-code', 'x-vercel-ip-country'];

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem"><h1>${title}</h1><p>${text}</p></body></html>`;
const NOT_FOUND = page('Link not found', 'This link does not exist. Check that it was copied completely.');
const INACTIVE = page('Link no longer active', 'This link is no longer active.');
const UNAVAILABLE = page('Try again shortly', 'This link cannot be followed right now. Please try again in a minute.');

// Stored text must never make a click batch fail (Postgres refuses NUL), so control characters go.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const clean = (text: string, max: number) => text.slice(0, max).replace(/[\u0000-\u001f\u007f]/g, '') || null;

function header(request: FastifyRequest, name: string, max: number): string | null {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text ? clean(text, max) : null;
}

function country(request: FastifyRequest): string | null {
  for (const name of COUNTRY_HEADERS) {
    const value = header(request, name, 2);
    if (value && COUNTRY.test(value) && value.toUpperCase() !== 'XX') return value.toUpperCase();
  }
  return null;
}

const html = (reply: FastifyReply, status: number, body: string) =>
  reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

/**
 * GET /l/{code}: the public invite/tracking link. Answers 302 to the destination with a fresh
 * click_id (and the link's UTM values) and records the click in memory; the click buffer writes
 * clicks in batches, so no request waits for the database.
 */
export const redirectRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const runtime = await startLinkRuntime(app);
  const { config } = app.ctx;
  const datacentres = blockListOf(config.riskDatacentreCidrs);

  app.get(
    '/l/:code',
    {
      config: { public: true, rateLimit: false },
      // Every click is stored; a log line per redirect would only add cost at this volume.
      logLevel: 'warn',
      schema: {
        tags: ['Links'],
        summary: 'Follow an invite / tracking link',
        description:
          'Public. Answers 302 to the link\'s destination with `click_id` and the link\'s UTM values appended, and records the click (time, keyed hash of the IP, user agent, referrer, country header, `sub_id`). ' +
          'Unknown code: a 404 page. Disabled link or suspended partner: 302 to `OPENIB_DEFAULT_DESTINATION_URL` with no click id (a page saying the link is inactive when none is configured). Pass the registration\'s `click_id` to the data API to attribute the customer.',
        params: Type.Object({ code: Type.String({ description: 'The link\'s short code.', examples: ['k7m2p9qa'] }) }),
        querystring: Type.Object(
          { sub_id: Type.Optional(Type.String({ description: 'Free sub-id of the partner\'s own tracking (stored with the click, up to 200 characters).' })) },
          { additionalProperties: true },
        ),
        response: {
          302: Type.Null({ description: 'Redirect; see the Location header.' }),
          404: Type.String({ description: 'An HTML page.' }),
          503: Type.String({ description: 'An HTML page, when the link cannot be looked up and no default destination is set.' }),
        },
      },
    },
    async (request, reply) => {
      const code = request.params.code;
      if (!CODE.test(code)) return html(reply, 404, NOT_FOUND);
      let target: Awaited<ReturnType<typeof runtime.cache.lookup>>;
      try {
        target = await runtime.cache.lookup(code.toLowerCase());
      } catch (err) {
        // The database is unreachable and the code is not cached: the visitor still gets somewhere.
        request.log.error({ err }, 'link lookup failed');
        if (!config.defaultDestinationUrl) return html(reply, 503, UNAVAILABLE);
        return reply.header('cache-control', 'no-store').redirect(config.defaultDestinationUrl, 302);
      }
      if (!target) return html(reply, 404, NOT_FOUND);
      reply.header('cache-control', 'no-store');
      if (!target.live) {
        if (!config.defaultDestinationUrl) return html(reply, 404, INACTIVE);
        return reply.redirect(config.defaultDestinationUrl, 302);
      }
      // A HEAD request (link previews, crawlers checking the link) is answered but is no click.
      if (request.method === 'HEAD') return reply.redirect(redirectLocation(target.template, undefined), 302);
      const now = new Date();
      const clickId = newClickId(runtime.keys.clickId, target.seq, now.getTime());
      const subId = (request.query as { sub_id?: unknown }).sub_id;
      runtime.recorder.record({
        click_id: clickId,
        link_id: target.link_id,
        partner_id: target.partner_id,
        clicked_at: now,
        ip_hash: createHmac('sha256', runtime.keys.ipHash).update(request.ip).digest('base64url').slice(0, 22),
        user_agent: header(request, 'user-agent', 512),
        referrer: header(request, 'referer', 1000),
        country: country(request),
        sub_id: typeof subId === 'string' && subId ? clean(subId, 200) : null,
        bot_reason: botReason(request.ip, header(request, 'user-agent', 512), datacentres),
      });
      return reply.redirect(redirectLocation(target.template, clickId), 302);
    },
  );
};
