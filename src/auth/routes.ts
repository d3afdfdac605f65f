import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../shared/errors.ts';
import { ErrorBody } from '../http/schemas.ts';
import { auditRequest } from '../audit/http.ts';
import {
  createClient,
  DEFAULT_OVERLAP_SECONDS,
  getClient,
  listClients,
  MAX_OVERLAP_SECONDS,
  revokeClient,
  revokePreviousSecret,
  rotateClientSecret,
  updateClient,
  verifyClientSecret,
} from './clients.ts';
import { ipAllowed, parseAllowlist } from './ip-allowlist.ts';
import { brokerOnly, PARTNER_SCOPES, parseScopes, type Scope, SCOPES } from './scopes.ts';
import { issueToken } from './tokens.ts';
import { IdempotencyHeaders, idempotentWrite } from '../http/idempotency.ts';

const TokenRequest = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ maxLength: 100 })),
    client_id: Type.Optional(Type.String({ maxLength: 200 })),
    client_secret: Type.Optional(Type.String({ maxLength: 500 })),
    scope: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { description: 'RFC 6749 §4.4 client credentials request, form-encoded or JSON.' },
);

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ examples: [3600] }),
  scope: Type.String({ examples: ['customers:write transactions:write activity:write'] }),
});

const OAuthError = Type.Object({
  error: Type.String({ examples: ['invalid_client'] }),
  error_description: Type.String(),
});

const ClientView = Type.Object({
  client_id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  partner_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
  revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When a token of this client was last used (updated at most once a minute).',
  }),
  allowed_ips: Type.Array(Type.String(), { description: 'CIDR blocks the client may call from; empty = any address.' }),
  secret_rotated_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'Until when the secret before the last rotation still works; null when only the current secret works.',
  }),
});

const ScopeList = Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: SCOPES.length, uniqueItems: true });
const AllowedIps = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  maxItems: 100,
  description: 'IPv4/IPv6 addresses or CIDR blocks (203.0.113.0/24, 2001:db8::/32). Checked at POST /oauth/token and on every request.',
});
const ClientParams = Type.Object({ client_id: Type.String({ maxLength: 200 }) });

function validAllowlist(entries: string[] | null | undefined): string[] | null | undefined {
  if (entries === undefined || entries === null) return entries;
  const parsed = parseAllowlist(entries);
  if (!parsed.ok)
    throw new AppError(
      422,
      'validation_failed',
      'allowed_ips holds entries that are not IP addresses or CIDR blocks.',
      parsed.issues.map((i) => ({ index: i.index, field: 'allowed_ips', reason: i.reason })),
    );
  return parsed.cidrs;
}

const notFound = () => new AppError(404, 'not_found', 'No API client with this id.');

const oauthError = (status: number, error: string, description: string, basic = false) =>
  Object.assign(new Error(description), { oauth: { status, error, description, basic } });

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before Base64.
  const safeDecode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: safeDecode(decoded.slice(0, colon)), secret: safeDecode(decoded.slice(colon + 1)) };
}

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config } = app.ctx;
  // Counted per address and per client_id in one-minute windows, shared by every API process on a
  // PostgreSQL server: guessing client secrets needs many attempts.
  const tokenWait = async (key: string) => {
    const { count, ttlMs } = await app.windowCounter.hit(key, 60_000);
    return count > config.tokenRateLimitPerMinute ? Math.max(1, Math.ceil(ttlMs / 1000)) : 0;
  };

  app.post(
    '/oauth/token',
    {
      config: { public: true },
      schema: {
        tags: ['Authentication'],
        summary: 'Exchange client credentials for an access token',
        description:
          'OAuth 2.0 client credentials grant. Send `grant_type=client_credentials` with `client_id` and `client_secret` in a form-encoded or JSON body, or the id and secret as HTTP Basic credentials. Optional `scope` narrows the token to a subset of the client\'s scopes. Tokens last `OPENIB_TOKEN_TTL_SECONDS` (3600 by default).',
        body: Type.Optional(TokenRequest),
        response: { 200: TokenResponse, 400: OAuthError, 401: OAuthError, 429: OAuthError },
      },
      errorHandler(error, _request, reply) {
        const oauth = (error as { oauth?: { status: number; error: string; description: string; basic: boolean } }).oauth;
        if (oauth) {
          if (oauth.basic) reply.header('WWW-Authenticate', 'Basic realm="openib"');
          return reply.status(oauth.status as 400).send({ error: oauth.error, error_description: oauth.description });
        }
        // Refusals from before the handler (a NUL in the URL, a malformed body) answer in the OAuth shape too.
        const status = error instanceof AppError ? error.status : (error as { statusCode?: number }).statusCode;
        if (status === 400 || status === 401 || status === 429)
          return reply.status(status as 400).send({
            error: status === 401 ? 'invalid_client' : status === 429 ? 'slow_down' : 'invalid_request',
            error_description: error instanceof Error ? error.message : 'The request is not valid.',
          });
        throw error;
      },
    },
    async (request, reply) => {
      reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
      const body = (request.body ?? {}) as Record<string, string | undefined>;
      const basic = basicCredentials(request.headers.authorization);
      if (request.headers.authorization && !basic)
        throw oauthError(401, 'invalid_client', 'The Authorization header is not valid HTTP Basic credentials.', true);
      if (body.grant_type !== 'client_credentials')
        throw oauthError(
          400,
          body.grant_type ? 'unsupported_grant_type' : 'invalid_request',
          'grant_type must be "client_credentials".',
        );
      if (basic && (body.client_id || body.client_secret))
        throw oauthError(400, 'invalid_request', 'Send the client credentials either as HTTP Basic or in the body, not both.');
      const id = basic?.id ?? body.client_id;
      const secret = basic?.secret ?? body.client_secret;
      if (!id || !secret) throw oauthError(401, 'invalid_client', 'client_id and client_secret are required.', Boolean(basic));
      const wait = Math.max(await tokenWait(`token-ip:${request.ip}`), await tokenWait(`token-client:${id}`));
      if (wait) {
        reply.header('Retry-After', String(wait));
        throw oauthError(429, 'slow_down', `Too many token requests from this address or for this client; retry in ${wait} s.`);
      }
      const client = await verifyClientSecret(db, id, secret);
      if (!client) throw oauthError(401, 'invalid_client', 'Unknown client or wrong secret.', Boolean(basic));
      if (!ipAllowed(request.ip, client.allowed_ips))
        throw oauthError(401, 'invalid_client', `This client may not be used from ${request.ip}; its IP allowlist does not include this address.`, Boolean(basic));
      let scopes = client.scopes;
      if (body.scope) {
        const requested = parseScopes(body.scope);
        const notHeld = [...requested.unknown, ...requested.scopes.filter((s) => !client.scopes.includes(s) && !client.scopes.includes('admin'))];
        if (notHeld.length) throw oauthError(400, 'invalid_scope', `This client may not request: ${notHeld.join(' ')}.`);
        scopes = requested.scopes;
      }
      const accessToken = await issueToken(app.ctx.signingKey, { clientId: client.client_id, scopes, partnerId: client.partner_id ?? undefined }, config.tokenTtlSeconds);
      return { access_token: accessToken, token_type: 'Bearer' as const, expires_in: config.tokenTtlSeconds, scope: scopes.join(' ') };
    },
  );

  app.post(
    '/api/v1/clients',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['API clients'],
        summary: 'Create an API client',
        headers: IdempotencyHeaders,
        description: 'The secret is in this response only; OpenIB keeps just its hash.',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            scopes: ScopeList,
            allowed_ips: Type.Optional(AllowedIps),
            partner_id: Type.Optional(
              Type.String({ maxLength: 100, description: 'Binds the client to one partner: its tokens reach only that partner and its subtree. Such a client cannot hold `admin`.' }),
            ),
          },
          { additionalProperties: false, examples: [{ name: 'CRM push', scopes: ['customers:write', 'transactions:write'] }, { name: 'IB-2001 reporting', scopes: ['partners:read'], partner_id: 'pt_example' }] },
        ),
        response: { 201: Type.Intersect([ClientView, Type.Object({ client_secret: Type.String() })]), 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const partnerId = request.body.partner_id;
      if (partnerId !== undefined) {
        const refused = brokerOnly(request.body.scopes);
        if (refused.length)
          throw new AppError(422, 'validation_failed', `A client bound to a partner cannot hold ${refused.join(', ')}.`, [{ field: 'scopes', reason: `with partner_id, only ${PARTNER_SCOPES.join(', ')}` }]);
        const [partner] = await db.query('SELECT 1 FROM partners WHERE partner_id = $1', [partnerId]);
        if (!partner) throw new AppError(422, 'validation_failed', `No partner "${partnerId}".`, [{ field: 'partner_id', reason: 'must be an existing partner' }]);
      }
      const allowedIps = validAllowlist(request.body.allowed_ips) ?? undefined;
      const created = await idempotentWrite(
        db,
        request,
        reply,
        201,
        async (tx) => {
          const c = await createClient(tx, { name: request.body.name, scopes: request.body.scopes, partnerId, allowedIps });
          const { client_secret: _, ...after } = c;
          await auditRequest(tx, request, { action: 'api_client.create', subject: { type: 'api_client', id: c.client_id }, after });
          return c;
        },
        { sealed: true },
      );
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/api/v1/clients',
    {
      config: { scope: 'admin' },
      schema: { tags: ['API clients'], summary: 'List API clients', response: { 200: Type.Object({ data: Type.Array(ClientView) }) } },
    },
    async () => ({ data: await listClients(db) }),
  );

  app.get(
    '/api/v1/clients/:client_id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['API clients'],
        summary: 'Get one API client',
        params: Type.Object({ client_id: Type.String({ maxLength: 200 }) }),
        response: { 200: ClientView, 404: ErrorBody },
      },
    },
    async (request) => {
      const client = await getClient(db, request.params.client_id);
      if (!client) throw new AppError(404, 'not_found', 'No API client with this id.');
      return client;
    },
  );

  app.delete(
    '/api/v1/clients/:client_id',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['API clients'],
        summary: 'Revoke an API client',
        description: 'Tokens already issued to the client stop working on their next request.',
        params: Type.Object({ client_id: Type.String({ maxLength: 200 }) }),
        response: { 200: ClientView, 404: ErrorBody },
      },
    },
    async (request) => {
      if (request.caller?.clientId === request.params.client_id)
        throw new AppError(409, 'cannot_revoke_self', 'A client cannot revoke itself; use another admin client.');
      return db.transaction(async (tx) => {
        const before = await getClient(tx, request.params.client_id, true);
        if (!before) throw notFound();
        const client = (await revokeClient(tx, request.params.client_id))!;
        await auditRequest(tx, request, { action: 'api_client.revoke', subject: { type: 'api_client', id: client.client_id }, before, after: client });
        return client;
      });
    },
  );

  app.patch(
    '/api/v1/clients/:client_id',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['API clients'],
        summary: 'Change an API client\'s name, scopes or IP allowlist',
        description: 'Narrowed scopes and a new allowlist apply to tokens already issued, from their next request. `allowed_ips: []` (or null) allows any address again.',
        params: ClientParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            scopes: Type.Optional(ScopeList),
            allowed_ips: Type.Optional(Type.Union([AllowedIps, Type.Null()])),
          },
          { additionalProperties: false, minProperties: 1, examples: [{ allowed_ips: ['203.0.113.0/24', '2001:db8::/32'] }] },
        ),
        response: { 200: ClientView, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const { name, scopes } = request.body;
      if (name !== undefined && !name.trim()) throw new AppError(422, 'validation_failed', 'name must not be blank.', [{ field: 'name', reason: 'must not be blank' }]);
      const allowedIps = validAllowlist(request.body.allowed_ips);
      return db.transaction(async (tx) => {
        const before = await getClient(tx, request.params.client_id, true);
        if (!before) throw notFound();
        if (scopes && before.partner_id && brokerOnly(scopes).length)
          throw new AppError(422, 'validation_failed', `A client bound to a partner cannot hold ${brokerOnly(scopes).join(', ')}.`, [{ field: 'scopes', reason: `with partner_id, only ${PARTNER_SCOPES.join(', ')}` }]);
        if (scopes && request.caller?.clientId === before.client_id && !(scopes as string[]).includes('admin') && before.scopes.includes('admin'))
          throw new AppError(409, 'cannot_demote_self', 'A client cannot remove its own admin scope; use another admin client.');
        const after = (await updateClient(tx, before.client_id, { name, scopes: scopes as Scope[] | undefined, allowedIps }))!;
        await auditRequest(tx, request, { action: 'api_client.update', subject: { type: 'api_client', id: after.client_id }, before, after });
        return after;
      });
    },
  );

  app.post(
    '/api/v1/clients/:client_id/rotate-secret',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['API clients'],
        summary: 'Rotate an API client\'s secret',
        headers: IdempotencyHeaders,
        description: `Answers a new secret, once. The previous secret keeps working for \`overlap_seconds\` (default ${DEFAULT_OVERLAP_SECONDS}, at most ${MAX_OVERLAP_SECONDS} = 30 days; 0 ends it at once) so deployments can switch without downtime; \`POST …/revoke-previous-secret\` ends the overlap early. Tokens already issued stay valid until they expire.`,
        params: ClientParams,
        body: Type.Optional(
          Type.Object(
            { overlap_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OVERLAP_SECONDS, default: DEFAULT_OVERLAP_SECONDS })) },
            { additionalProperties: false },
          ),
        ),
        response: { 200: Type.Intersect([ClientView, Type.Object({ client_secret: Type.String() })]), 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
      },
      // No body at all means the defaults.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const overlap = request.body?.overlap_seconds ?? DEFAULT_OVERLAP_SECONDS;
      return idempotentWrite(db, request, reply, 200, async (tx) => {
        const before = await getClient(tx, request.params.client_id, true);
        if (!before) throw notFound();
        if (before.revoked_at) throw new AppError(409, 'client_revoked', 'This API client is revoked; create a new one instead of rotating its secret.');
        const rotated = (await rotateClientSecret(tx, before.client_id, overlap))!;
        const { client_secret: _, ...after } = rotated;
        await auditRequest(tx, request, { action: 'api_client.rotate_secret', subject: { type: 'api_client', id: after.client_id }, before, after: { ...after, overlap_seconds: overlap } });
        return rotated;
      }, { sealed: true });
    },
  );

  app.post(
    '/api/v1/clients/:client_id/revoke-previous-secret',
    {
      config: { scope: 'admin', auditsItself: true },
      schema: {
        tags: ['API clients'],
        summary: 'End a rotation\'s overlap now',
        description: 'After this only the newest secret works. Tokens already issued with the previous secret stay valid until they expire; revoke the client to stop those too.',
        params: ClientParams,
        response: { 200: ClientView, 404: ErrorBody },
      },
    },
    async (request) =>
      db.transaction(async (tx) => {
        const before = await getClient(tx, request.params.client_id, true);
        if (!before) throw notFound();
        const after = (await revokePreviousSecret(tx, before.client_id))!;
        await auditRequest(tx, request, { action: 'api_client.revoke_previous_secret', subject: { type: 'api_client', id: after.client_id }, before, after });
        return after;
      }),
  );
};
