import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { adminUserRoutes } from './admin-routes.ts';
import { embedRoutes } from './embed-routes.ts';
import { sessionRoutes } from './routes.ts';

/**
 * Cookie parsing and CORS, registered before the auth guard so it can read the session cookie and
 * so CORS preflights are answered before authentication. Only origins listed in
 * OPENIB_CORS_ORIGINS get CORS headers, and only on /api/v1/*; no credentials are allowed
 * cross-origin (the widget sends an embed token, never a cookie).
 */
export async function registerWebPlugins(app: FastifyInstance): Promise<void> {
  await app.register(cookie);
  // An OPTIONS request CORS does not answer (unknown origin) is not a call to authenticate.
  app.addHook('onRoute', (route) => {
    if (route.method === 'OPTIONS' && route.url === '*') route.config = { ...(route.config as object), public: true } as never;
  });
  const allowed = new Set(app.ctx.config.web.corsOrigins);
  await app.register(cors, () => (request: FastifyRequest, callback: (err: Error | null, options: Record<string, unknown>) => void) => {
    const origin = request.headers.origin;
    const ok = typeof origin === 'string' && allowed.has(origin) && request.url.startsWith('/api/v1/');
    callback(null, {
      origin: ok ? origin : false,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id'],
      exposedHeaders: ['retry-after', 'x-request-id'],
      credentials: false,
      maxAge: 600,
    });
  });
}

/** People (admin console and partner portal), their sessions, and the embeddable partner widget. */
export const webAuthArea: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(sessionRoutes);
  await app.register(adminUserRoutes);
  await app.register(embedRoutes);
};
