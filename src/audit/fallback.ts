import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordAudit } from './record.ts';
import { actorOf, withoutSecrets } from './http.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The subject as a GET of it answered before the change (fallback audit of updates). */
    auditBefore?: unknown;
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Public routes that change nothing a person decided (tokens, inbound feeds, link clicks). */
const NOT_AUDITED = [/^\/oauth\//, /^\/api\/v1\/inbound\//, /^\/api\/v1\/postback$/, /^\/l\//, /^\/api\/v1\/integrations\/ctrader-invite$/];
const MAX_STORED = 32 * 1024;

const VERBS: Record<string, string> = { POST: 'create', PUT: 'replace', PATCH: 'update', DELETE: 'delete' };

interface RouteShape {
  area: string;
  verb: string;
  subjectParam?: string;
  /** The route pattern whose GET shows the subject before the change. */
  beforePattern?: string;
}

/**
 * The action name of a route that did not audit itself, from its pattern:
 * POST /api/v1/partners → partners.create, PATCH …/partners/:partner_id → partners.update,
 * POST …/partners/:partner_id/suspend → partners.suspend, POST …/partners/:partner_id/links → partners.links_create,
 * POST …/statements/:statement_id/:action → statements.<the action>.
 */
export function routeShape(app: FastifyInstance, method: string, pattern: string): RouteShape {
  const segments = pattern.replace(/^\/api\/v1\//, '').split('/').filter(Boolean);
  const statics = segments.filter((s) => !s.startsWith(':')).map((s) => s.replace(/[-.]/g, '_'));
  const params = segments.filter((s) => s.startsWith(':')).map((s) => s.slice(1));
  const area = statics[0] ?? 'root';
  const last = segments[segments.length - 1] ?? '';
  const has = (m: string, url: string) => app.hasRoute({ method: m as 'GET', url });
  let verb: string;
  let beforePattern: string | undefined;
  if (last.startsWith(':')) {
    verb = last === ':action' ? ':action' : VERBS[method] ?? method.toLowerCase();
    if (last === ':action') beforePattern = `/${pattern.split('/').slice(1, -1).join('/')}`;
    else if (method !== 'POST' && has('GET', pattern)) beforePattern = pattern;
    if (statics.length > 1 && last !== ':action') verb = `${statics.slice(1).join('_')}_${verb}`;
  } else if (method === 'POST' && has('GET', pattern) && params.length === 0) {
    verb = statics.length > 1 ? `${statics.slice(1).join('_')}_create` : 'create';
  } else if (method === 'POST' && has('GET', pattern)) {
    // A collection under a subject (partners/:id/links): a new member of it.
    verb = `${statics.slice(1).join('_')}_create`;
  } else {
    // An action on a subject (partners/:id/suspend, clients/:id/rotate-secret) or on a collection (fx-rates, commissions/run).
    verb = statics.slice(1).join('_') || (VERBS[method] ?? method.toLowerCase());
    const parent = `/${pattern.split('/').slice(1, -1).join('/')}`;
    if (params.length && has('GET', parent)) beforePattern = parent;
    if (method !== 'POST' && has('GET', pattern)) beforePattern = pattern;
  }
  return { area, verb, subjectParam: params[params.length - 1 - (last === ':action' ? 1 : 0)] ?? params[0], beforePattern };
}

function subjectIdFrom(body: unknown): string | undefined {
  const pick = (o: unknown): string | undefined => {
    if (!o || typeof o !== 'object' || Array.isArray(o)) return undefined;
    const rec = o as Record<string, unknown>;
    if (typeof rec.id === 'string' || typeof rec.id === 'number') return String(rec.id);
    for (const [k, v] of Object.entries(rec)) if (k.endsWith('_id') && (typeof v === 'string' || typeof v === 'number')) return String(v);
    return undefined;
  };
  return pick(body) ?? pick((body as { data?: unknown } | undefined)?.data);
}

/** A stored after/before: the body itself, or for a batch answer its counts, or a marker when too large. */
export function storable(body: unknown): unknown {
  if (body === undefined || body === null || body === '') return undefined;
  const clean = withoutSecrets(body);
  if (clean && typeof clean === 'object' && !Array.isArray(clean)) {
    const rec = clean as Record<string, unknown>;
    if (Array.isArray(rec.data) && rec.data.length > 20) {
      const { data, ...rest } = rec;
      return { ...rest, records: (data as unknown[]).length };
    }
  }
  const text = JSON.stringify(clean);
  if (text === undefined) return undefined;
  if (text.length <= MAX_STORED) return clean;
  return { truncated: true, bytes: text.length };
}

function parseBody(payload: unknown, contentType: unknown): unknown {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return undefined;
  if (!/json/i.test(String(contentType ?? ''))) return undefined;
  try {
    return JSON.parse(payload.toString());
  } catch {
    return undefined;
  }
}

function filledPattern(pattern: string, params: Record<string, string>): string {
  return pattern.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

function audits(request: FastifyRequest): boolean {
  if (READS.has(request.method)) return false;
  const url = request.routeOptions.url;
  if (!url || request.is404 || request.routeOptions.config?.auditsItself) return false;
  if (NOT_AUDITED.some((re) => re.test(url))) return false;
  return Boolean(request.caller) || request.routeOptions.config?.public === true;
}

/**
 * Every successful change leaves an audit entry. Routes that matter write their own with
 * auditRequest (in their transaction, with the exact before/after) and say so with the route
 * config `auditsItself`, so that they cost no extra read and leave no second entry; for any other non-GET route
 * this hook writes one before the answer is sent: the action from the route, the subject from
 * the path or the answer, before = what a GET of the subject answered just before the change.
 */
export function registerAuditFallback(app: FastifyInstance) {
  // A route's shape depends on its method and pattern only: worked out once per route.
  const shapes = new Map<string, RouteShape>();
  const shapeOf = (request: FastifyRequest) => {
    const key = `${request.method} ${request.routeOptions.url}`;
    let shape = shapes.get(key);
    if (!shape) shapes.set(key, (shape = routeShape(app, request.method, request.routeOptions.url!)));
    return shape;
  };
  app.addHook('preHandler', async (request) => {
    if (!audits(request)) return;
    const shape = shapeOf(request);
    if (!shape.beforePattern) return;
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'cookie', 'x-forwarded-for']) {
      const v = request.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    try {
      const res = await app.inject({ method: 'GET', url: filledPattern(shape.beforePattern, request.params as Record<string, string>), headers, remoteAddress: request.ip });
      if (res.statusCode === 200) request.auditBefore = parseBody(res.payload, res.headers['content-type']);
    } catch {
      /* the before picture is a courtesy; the entry is still written */
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.audited || reply.statusCode < 200 || reply.statusCode >= 300 || !audits(request)) return payload;
    const shape = shapeOf(request);
    const params = (request.params ?? {}) as Record<string, string>;
    const verb = shape.verb === ':action' ? String(params.action ?? 'action').replace(/[^\w-]/g, '') : shape.verb;
    const body = parseBody(payload, reply.getHeader('content-type'));
    const subjectId = (shape.subjectParam && params[shape.subjectParam]) || subjectIdFrom(body) || request.id;
    await recordAudit(app.ctx.db, {
      actor: actorOf(request),
      action: `${shape.area}.${verb}`,
      subject: { type: shape.area, id: String(subjectId).slice(0, 500) },
      before: storable(request.auditBefore),
      after: storable(body) ?? { status: reply.statusCode },
      ip: request.ip,
    });
    request.audited = true;
    return payload;
  });
}
