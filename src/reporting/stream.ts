import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import { ErrorBody } from '../http/schemas.ts';
import { assertPartnerAccess } from '../partners/access.ts';
import { requirePartner } from '../partners/partners.ts';
import { kpisOf } from './kpis.ts';
import { period } from './period.ts';
import { REPORT_CHANNEL } from './rollups.ts';

const HEARTBEAT_MS = 15_000;

interface Stream {
  partnerId: string;
  from?: string;
  to?: string;
  res: ServerResponse;
}

/**
 * GET /api/v1/reports/partners/{id}/stream: server-sent events. Every API process LISTENs on
 * openib_reports, where the rollups worker names the partners whose numbers it just committed; the
 * process pushes fresh KPIs to the streams of those partners and of their uplines.
 */
export const streamRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { db, config, clock } = app.ctx;
  const streams = new Map<string, Set<Stream>>();
  let pending: Set<string> | 'all' = new Set();
  let running = false;

  const write = (s: Stream, text: string) => {
    if (!s.res.writableEnded) s.res.write(text);
  };
  const push = async (s: Stream) => {
    const { from, to } = period({ from: s.from ?? s.to, to: s.to }, clock.now(), config.brokerTimeZone);
    const kpis = await kpisOf(db, s.partnerId, from, to);
    write(s, `event: kpis\ndata: ${JSON.stringify({ partner_id: s.partnerId, from, to, currency: 'USD', at: new Date().toISOString(), ...kpis })}\n\n`);
  };

  // Notifications are coalesced: while one round of pushes runs, the next ones gather.
  const drain = async () => {
    if (running) return;
    running = true;
    try {
      while (pending === 'all' || pending.size) {
        const changed = pending;
        pending = new Set();
        let targets = [...streams.keys()];
        if (changed !== 'all') {
          const rows = await db.query<{ ancestor_id: string }>(
            'SELECT DISTINCT ancestor_id FROM partner_tree WHERE descendant_id = ANY($1::text[]) AND ancestor_id = ANY($2::text[])',
            [[...changed], targets],
          );
          targets = rows.map((r) => r.ancestor_id);
        }
        for (const id of targets) for (const s of streams.get(id) ?? []) await push(s).catch((err) => app.log.warn({ err }, 'report stream push failed'));
      }
    } finally {
      running = false;
    }
  };

  let unlisten: (() => Promise<void>) | undefined;
  app.addHook('onReady', async () => {
    unlisten = await db.listen(REPORT_CHANNEL, (payload) => {
      if (!streams.size) return;
      if (payload === '*' || pending === 'all') pending = 'all';
      else for (const id of payload.split(',')) pending.add(id);
      void drain();
    });
  });
  app.addHook('preClose', async () => {
    for (const set of streams.values()) for (const s of set) s.res.end();
    streams.clear();
    await unlisten?.();
  });

  app.get('/api/v1/reports/partners/:id/stream', {
    config: { scope: 'reports:read', tokenInQuery: true },
    schema: {
      tags: ['Reports'], summary: 'Live KPIs (server-sent events)',
      description:
        'A `text/event-stream` of `kpis` events: one at once, then one within about a second of every committed change to the partner\'s or its subtree\'s numbers (any API process delivers it). A comment line every 15 s keeps proxies from closing the connection. The KPIs cover [from, to], by default today. Browsers\' EventSource cannot send headers: pass the token as `?access_token=` instead of the Authorization header.',
      params: Type.Object({ id: Type.String({ maxLength: 200, description: 'The partner id.' }) }),
      querystring: Type.Object({
        from: Type.Optional(Type.String({ maxLength: 10, description: 'First business date of the KPIs (default: to).' })),
        to: Type.Optional(Type.String({ maxLength: 10, description: 'Last business date of the KPIs (default: today, following the date).' })),
        access_token: Type.Optional(Type.String({ maxLength: 4000, description: 'The bearer token, for clients that cannot send headers.' })),
      }, { additionalProperties: false }),
      response: { 200: Type.String({ description: 'event: kpis\\ndata: {partner_id, from, to, currency, at, own, subtree}' }), 400: ErrorBody, 404: ErrorBody },
    },
  }, async (request, reply) => {
    const { id } = request.params;
    await assertPartnerAccess(db, request.caller, id);
    await requirePartner(db, id);
    period({ from: request.query.from, to: request.query.to }, clock.now(), config.brokerTimeZone);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const stream: Stream = { partnerId: id, from: request.query.from, to: request.query.to, res };
    const set = streams.get(id) ?? new Set();
    set.add(stream);
    streams.set(id, set);
    res.write(': connected\n\n');
    const heartbeat = setInterval(() => write(stream, ': heartbeat\n\n'), HEARTBEAT_MS);
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      set.delete(stream);
      if (!set.size) streams.delete(id);
    });
    await push(stream).catch(() => res.end());
  });
};
