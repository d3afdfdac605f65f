import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { Type } from 'typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ASSET_BASE, WEB_DIST } from './build.ts';

/** The pages' Content-Security-Policy: everything from this origin only, no inline or injected script. */
export const UI_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    // uPlot and React set element styles through the CSSOM, which style-src does not govern; no <style> injection is needed.
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:', 'blob:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenIB — the web app is not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The web app is not built yet</h1>
<p>The API is running, but the partner portal and the admin console have not been built on this server.</p>
<p>Build them with <code>npm run build:web</code> (or <code>npm ci</code>, which builds them too), then reload this page.
<code>openib start</code> builds them by itself when the build tools are installed.</p>
<p>The API reference is at <a href="/docs">/docs</a>.</p>
</body></html>`;

/**
 * The partner portal (/portal/…) and the admin console (/admin/…): one single-page app from web/dist. Unknown sub-paths
 * answer index.html (the app routes in the browser); hashed assets under /app-assets/ are cached for a year.
 */
export const webRoutes: FastifyPluginAsync<{ dist?: string }> = async (app, opts) => {
  const dist = opts.dist ?? WEB_DIST;
  const index = join(dist, 'index.html');
  const sendIndex = (reply: FastifyReply) => {
    if (!existsSync(index)) return reply.code(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.header('cache-control', 'no-cache').sendFile('index.html', dist, { cacheControl: false });
  };

  // The static plugin's routes carry no config of their own: the built assets are public like the pages.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(ASSET_BASE)) route.config = { ...(route.config as object), public: true } as never;
  });
  await app.register(fastifyStatic, {
    root: join(dist, 'assets'),
    prefix: `${ASSET_BASE}assets/`,
    index: false,
    maxAge: '365d',
    immutable: true,
    schemaHide: true,
  });

  const { config } = app.ctx;
  app.get(
    '/api/v1/ui-config',
    {
      config: { public: true },
      schema: {
        tags: ['Web'],
        summary: 'Settings the web app needs before and after sign-in',
        description: 'Public: the broker time zone business dates and periods follow, and where links point. Holds no secret.',
        response: {
          200: Type.Object({
            broker_time_zone: Type.String({ examples: ['Europe/Nicosia'] }),
            link_base_url: Type.String({ examples: ['https://go.broker.example'] }),
            default_destination_url: Type.Union([Type.String(), Type.Null()]),
            version: Type.String(),
          }),
        },
      },
    },
    async () => ({
      broker_time_zone: config.brokerTimeZone,
      link_base_url: config.linkBaseUrl,
      default_destination_url: config.defaultDestinationUrl ?? null,
      version: '1',
    }),
  );

  const options = { config: { public: true }, schema: { hide: true }, helmet: { contentSecurityPolicy: UI_CSP } } as const;
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/portal/', 302));
  for (const area of ['portal', 'admin']) {
    app.get(`/${area}`, options, async (_request, reply) => reply.redirect(`/${area}/`, 302));
    app.get(`/${area}/`, options, async (_request, reply) => sendIndex(reply));
    app.get(`/${area}/*`, options, async (_request, reply) => sendIndex(reply));
  }
};
