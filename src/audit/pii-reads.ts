import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../db/index.ts';
import { recordAudit } from './record.ts';

const MAX_IDS = 1000;
const READS = Symbol('openib.piiReads');

type Noted = FastifyRequest & { [READS]?: { ids: string[]; subject: { type: string; id: string } } };

/**
 * A route that answers customers' personal data in clear says so here, with the customers on the
 * page; `pii.read` is logged for broker staff (partners' tokens never see an upline's clients in clear).
 */
export function notePiiRead(request: FastifyRequest, customerIds: string[], subject: { type: string; id: string }): void {
  (request as Noted)[READS] = { ids: customerIds, subject };
}

/**
 * Appends one `pii.read` entry. It is committed before the answer leaves, but without waiting for the
 * WAL flush (synchronous_commit off for this transaction only): a read is not a change, and the
 * flush would double the cost of every page of customers a broker user opens.
 */
async function logRead(db: Database, entry: Parameters<typeof recordAudit>[1]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SET LOCAL synchronous_commit = off');
    await recordAudit(tx, entry);
  });
}

/** Logs `pii.read`: which broker user or client read which customers' personal data, through which route. */
export function registerPiiReadAudit(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply, payload) => {
    const noted = (request as Noted)[READS];
    if (!noted || noted.ids.length === 0 || reply.statusCode !== 200) return payload;
    const caller = request.caller;
    if (!caller || caller.partnerId !== undefined) return payload;
    await logRead(app.ctx.db, {
      actor: caller.clientId,
      action: 'pii.read',
      subject: noted.subject,
      after: { route: request.routeOptions.url, url: request.url.slice(0, 2000), count: noted.ids.length, customer_ids: noted.ids.slice(0, MAX_IDS) },
      ip: request.ip,
    });
    return payload;
  });
}
