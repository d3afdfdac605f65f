import type { FastifyInstance } from 'fastify';
import { parse } from 'csv-parse/sync';
import { recordAudit } from './record.ts';

/** Routes that answer customers' personal data to broker staff (partners get it masked). */
const PII_ROUTES = new Set(['/api/v1/forex/customers', '/api/v1/reports/partners/:id/customers']);
const MAX_IDS = 1000;

function customerIds(payload: unknown, contentType: string): string[] {
  const text = Buffer.isBuffer(payload) ? payload.toString() : typeof payload === 'string' ? payload : undefined;
  if (text === undefined) return [];
  try {
    if (/json/i.test(contentType)) {
      const data = (JSON.parse(text) as { data?: unknown }).data;
      return Array.isArray(data) ? data.map((r) => (r as { customer_id?: unknown })?.customer_id).filter((v): v is string => typeof v === 'string') : [];
    }
    if (/csv/i.test(contentType)) {
      const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
      return rows.map((r) => r.customer_id).filter(Boolean);
    }
  } catch {
    /* an answer that is not what we expect holds no ids to log */
  }
  return [];
}

/** Logs `pii.read`: which broker user or client read which customers' personal data, through which route. */
export function registerPiiReadAudit(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    if (request.method !== 'GET' || !route || !PII_ROUTES.has(route) || reply.statusCode !== 200) return payload;
    const caller = request.caller;
    if (!caller || caller.partnerId !== undefined) return payload;
    const ids = customerIds(payload, String(reply.getHeader('content-type') ?? ''));
    if (ids.length === 0) return payload;
    const params = request.params as Record<string, string>;
    await recordAudit(app.ctx.db, {
      actor: caller.clientId,
      action: 'pii.read',
      subject: params.id ? { type: 'partner_customers', id: params.id } : { type: 'customers', id: 'list' },
      after: { route, url: request.url.slice(0, 2000), count: ids.length, customer_ids: ids.slice(0, MAX_IDS) },
      ip: request.ip,
    });
    return payload;
  });
}
