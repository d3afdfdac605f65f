import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.ts';
import { authenticateEmbed } from '../web-auth/embed-tokens.ts';
import { authenticateSession } from '../web-auth/session-auth.ts';
import { ipAllowed } from './ip-allowlist.ts';
import { brokerOnly, hasScope } from './scopes.ts';
import { verifyToken } from './tokens.ts';

const unauthorized = (message: string) =>
  new AppError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer realm="openib"' });

/** Reads the bearer token of a request; undefined when there is none. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** ?access_token=…, accepted only by routes that declare tokenInQuery (server-sent event streams). */
function queryToken(request: FastifyRequest): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof value === 'string' && value ? value : undefined;
}

/**
 * Every route is authenticated unless it declares config.public. A route that forgets to declare
 * a scope is refused to everyone but admins, so an omission fails closed. A bearer token wins over
 * the session cookie of a signed-in person; widget routes (config.embed) take embed tokens only.
 */
export function registerAuthGuard(app: FastifyInstance) {
  const lastTouched = new Map<string, number>();
  app.addHook('onRequest', async (request) => {
    const routeConfig = request.routeOptions.config;
    if (routeConfig?.public || request.is404) return;
    const token = bearerToken(request) ?? (routeConfig?.tokenInQuery ? queryToken(request) : undefined);
    if (routeConfig?.embed) {
      request.caller = await authenticateEmbed(app.ctx, token);
      return;
    }
    if (!token) {
      const caller = await authenticateSession(app.ctx, request);
      if (!caller) throw unauthorized('Send an access token in the Authorization header: "Bearer <token>" (POST /oauth/token issues one), or sign in.');
      request.caller = caller;
    } else {
      if (routeConfig?.session) throw unauthorized('This operation is for a signed-in person (the session cookie), not an API token.');
      const result = await verifyToken(app.ctx.signingKey, token);
      if (!result.ok)
        throw unauthorized(result.reason === 'expired' ? 'The access token has expired; request a new one.' : 'The access token is not valid.');
      const { claims } = result;
      const [client] = await app.ctx.db.query<{ revoked_at: string | null; scopes: string[]; allowed_ips: string[] | null; partner_status: string | null }>(
        `SELECT c.revoked_at, c.scopes, c.allowed_ips, p.status AS partner_status
         FROM api_clients c LEFT JOIN partners p ON p.partner_id = coalesce($2, c.partner_id) WHERE c.client_id = $1`,
        [claims.clientId, claims.partnerId ?? null],
      );
      if (!client || client.revoked_at) throw unauthorized('The API client behind this token has been revoked.');
      if (!ipAllowed(request.ip, client.allowed_ips))
        throw new AppError(403, 'ip_not_allowed', `This API client may not be used from ${request.ip}; its IP allowlist does not include this address.`);
      if (claims.partnerId !== undefined && client.partner_status === 'suspended')
        throw new AppError(403, 'partner_suspended', 'The partner behind this token is suspended or closed; its tokens are refused until the broker reactivates it.');
      // A token never carries more than its client holds now, so narrowing a client's scopes takes effect at once.
      const scopes = claims.scopes.filter(
        (s) => (client.scopes.includes(s) || client.scopes.includes('admin')) && !(claims.partnerId !== undefined && brokerOnly([s]).length),
      );
      request.caller = { clientId: claims.clientId, scopes, partnerId: claims.partnerId, via: 'token' };
      const now = Date.now();
      if ((lastTouched.get(claims.clientId) ?? 0) < now - 60_000) {
        lastTouched.set(claims.clientId, now);
        app.ctx.db.query('UPDATE api_clients SET last_used_at = now() WHERE client_id = $1', [claims.clientId]).catch(() => {});
      }
    }
    if (routeConfig?.session) return;
    const required = routeConfig?.scope ?? 'admin';
    if (!hasScope(request.caller.scopes, required, request.method))
      throw new AppError(403, 'insufficient_scope', `This operation needs the "${required}" scope, which this ${request.caller.via === 'session' ? 'login' : 'token'} does not carry.`);
  });
}
