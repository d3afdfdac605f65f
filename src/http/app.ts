import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import { authRoutes } from '../auth/routes.ts';
import { registerAuditFallback } from '../audit/fallback.ts';
import { auditRoutes } from '../audit/routes.ts';
import { registerPiiReadAudit } from '../audit/pii-reads.ts';
import { bearerToken, registerAuthGuard } from '../auth/guard.ts';
import { eventRoutes } from '../events/routes.ts';
import { ingestRoutes } from '../ingest/routes.ts';
import { fxRoutes } from '../fx/routes.ts';
import { webhookMessageRoutes } from '../webhooks/message-routes.ts';
import { postbackRoutes } from '../webhooks/postback-routes.ts';
import { webhookEndpointRoutes } from '../webhooks/routes.ts';
import { connectorRoutes } from '../connectors/routes.ts';
import { partnersArea } from '../partners/index.ts';
import { commissionRoutes } from '../commissions/routes.ts';
import { jurisdictionRoutes } from '../commissions/jurisdiction/routes.ts';
import { marketingRoutes } from '../marketing/routes.ts';
import { riskRoutes } from '../risk/routes.ts';
import { ledgerRoutes } from '../ledger/routes.ts';
import { verifyRoutes } from '../ledger/verify-routes.ts';
import { payoutsArea } from '../payouts/index.ts';
import { reportRoutes } from '../reporting/routes.ts';
import { webRoutes } from '../web/routes.ts';
import { registerWebPlugins, webAuthArea } from '../web-auth/index.ts';
import { privacyRoutes } from '../privacy/routes.ts';
import { complianceArea } from '../compliance/index.ts';
import type { AppContext } from './context.ts';
import { registerErrorHandling } from './errors.ts';
import { AppError } from '../shared/errors.ts';
import { finiteNumbers } from './finite-numbers.ts';
import { registerJsonParser } from './json-body.ts';
import { registerObservability } from './observability.ts';
import { rateLimitStore, windowCounterFor } from './rate-limit-store.ts';
import { registerReadRouting } from './read-routing.ts';
import { operationId, SCOPE_DESCRIPTIONS } from './operation-ids.ts';
import './context.ts';

const REQUEST_ID = /^[\w.:-]{1,100}$/;

export interface BuildOptions {
  /** false silences request logs (tests); otherwise JSON logs at config.logLevel. */
  logger?: boolean;
  /** Where the logs go instead of standard output (tests capture them). */
  logStream?: NodeJS.WritableStream;
}

/** Builds the HTTP application: every route of every area, with auth, limits, docs and metrics. */
export async function buildApp(ctx: AppContext, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      opts.logger === false
        ? false
        : {
            level: ctx.config.logLevel,
            ...(opts.logStream ? { stream: opts.logStream } : {}),
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'req.headers["x-api-key"]',
                'req.headers["x-session-token"]',
                'req.headers["x-csrf-token"]',
                'req.headers["proxy-authorization"]',
                'res.headers["set-cookie"]',
                '*.client_secret',
                '*.password',
                '*.current_password',
                '*.new_password',
                '*.secret',
                '*.access_token',
              ],
              censor: '[redacted]',
            },
            serializers: {
              // Postback URLs carry their source's token as ?token=…, event streams ?access_token=…; keep both out of the logs.
              req: (req) => ({
                method: req.method,
                url: req.url?.replace(/([?&](?:access_)?token=)[^&]*/gi, '$1[redacted]'),
                host: req.host,
                remoteAddress: req.ip,
                remotePort: req.socket?.remotePort,
              }),
            },
          },
    bodyLimit: ctx.config.bodyLimitBytes,
    // Direct TLS when a certificate and key are configured; usually TLS ends at a reverse proxy instead.
    ...(ctx.config.tls
      ? { https: { cert: readFileSync(ctx.config.tls.certFile), key: readFileSync(ctx.config.tls.keyFile), minVersion: 'TLSv1.2' as const } }
      : {}),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false }, plugins: [finiteNumbers] },
    routerOptions: { maxParamLength: 500 },
    trustProxy: process.env.OPENIB_TRUST_PROXY === '1',
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('ctx', ctx);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (/%00/i.test(request.url)) throw new AppError(400, 'invalid_parameters', 'The URL contains a NUL character (%00), which no parameter accepts.');
  });
  registerErrorHandling(app);
  registerJsonParser(app);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  await app.register(helmet, {
    // The API reference page loads its script inline and the API answers JSON; the web app's pages turn on a strict
    // Content-Security-Policy per route (src/web/routes.ts).
    contentSecurityPolicy: false,
  });
  // On a PostgreSQL server the counts live in the database, so N API processes still allow one limit.
  const counter = windowCounterFor(ctx.db);
  app.decorate('windowCounter', counter);
  app.addHook('onClose', async () => counter.close());
  await app.register(rateLimit, {
    store: rateLimitStore(counter),
    max: ctx.config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => {
      const token = bearerToken(request);
      return token ? `t:${createHash('sha256').update(token).digest('base64url').slice(0, 22)}` : `ip:${request.ip}`;
    },
    allowList: (request) => ['/healthz', '/readyz', '/metrics'].includes(request.url),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OpenIB API',
        version: '1',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
        description:
          'Partner platform for forex/CFD brokers. Authenticate with OAuth 2.0 client credentials (POST /oauth/token), then send `Authorization: Bearer <token>`. Money is always a decimal string in responses; requests accept JSON numbers or decimal strings.',
      },
      servers: [{ url: ctx.config.publicUrl }],
      components: {
        securitySchemes: {
          oauth2: {
            type: 'oauth2',
            description: 'OAuth 2.0 client credentials: POST /oauth/token with the client id and secret (form or HTTP Basic) answers a bearer token holding the client\'s scopes.',
            flows: { clientCredentials: { tokenUrl: `${ctx.config.publicUrl.replace(/\/$/, '')}/oauth/token`, scopes: SCOPE_DESCRIPTIONS } },
          },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access token from POST /oauth/token.' },
          session: { type: 'apiKey', in: 'cookie', name: 'openib_session', description: 'A signed-in person\'s session (portal or admin console). Writes also need the X-CSRF-Token header.' },
        },
      },
      security: [{ oauth2: [] }, { bearer: [] }, { session: [] }],
    },
    transform: ({ schema, url, route }) => {
      const config = route.config as { public?: boolean; scope?: string; session?: boolean; embed?: boolean } | undefined;
      const out = { ...(schema as Record<string, unknown>) };
      const method = (Array.isArray(route.method) ? route.method[0] : route.method) as string;
      out.operationId ??= operationId(method, url);
      if (config?.public) out.security = [];
      else if (config?.session) {
        out.security = [{ session: [] }];
        out.description = `${(schema as { description?: string }).description ?? ''}\n\nNeeds a signed-in person (session cookie).`.trim();
        (out as Record<string, unknown>)['x-required-scope'] = 'session';
      } else if (config?.embed) {
        out.description = `${(schema as { description?: string }).description ?? ''}\n\nNeeds a widget embed token.`.trim();
        (out as Record<string, unknown>)['x-required-scope'] = 'embed';
      } else if (schema && !(schema as { hide?: boolean }).hide) {
        const scope = config?.scope ?? 'admin';
        out.security = [{ oauth2: [scope] }, { bearer: [] }, { session: [] }];
        out.description = `${(schema as { description?: string }).description ?? ''}\n\nRequired scope: \`${scope}\`.`.trim();
        (out as Record<string, unknown>)['x-required-scope'] = scope;
      }
      return { schema: out as never, url };
    },
  });
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), public: true } as never;
  });
  await app.register(scalar, { routePrefix: '/docs', configuration: { url: '/openapi.json' } });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  await registerWebPlugins(app);
  registerAuthGuard(app);
  registerObservability(app);
  registerReadRouting(app);
  registerAuditFallback(app);
  registerPiiReadAudit(app);
  await app.register(authRoutes);
  await app.register(auditRoutes);
  await app.register(ingestRoutes);
  await app.register(eventRoutes);
  await app.register(fxRoutes);
  await app.register(webhookEndpointRoutes);
  await app.register(webhookMessageRoutes);
  await app.register(postbackRoutes);
  await app.register(connectorRoutes);
  await app.register(partnersArea);
  await app.register(commissionRoutes);
  await app.register(jurisdictionRoutes);
  await app.register(marketingRoutes);
  await app.register(riskRoutes);
  await app.register(ledgerRoutes);
  await app.register(verifyRoutes);
  await app.register(payoutsArea);
  await app.register(reportRoutes);
  await app.register(privacyRoutes);
  await app.register(complianceArea);
  await app.register(webAuthArea);
  await app.register(webRoutes);
  return app;
}
