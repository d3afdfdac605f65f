import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import { readingFromReplica, type ReplicaScope, replicaOf } from '../db/read-replica.ts';

/**
 * The GET routes a read replica may answer: reports, lists and exports, which the portal and the
 * admin console read too. Everything else (and every write) stays on the primary.
 *
 * Freshness rule: after a caller's successful write, its next reads of these routes go to the
 * replica only once the replica has replayed the primary's write-ahead log up to where it was when
 * that write was answered (table read_fences), so a caller always sees its own writes, whichever
 * API process answers. Numbers other callers or the background workers wrote may lag by the
 * replica's replay delay (openib_read_replica_lag_bytes).
 */
export const REPLICA_ROUTES: readonly string[] = [
  '/api/v1/reports/partners/{id}/summary',
  '/api/v1/reports/partners/{id}/timeseries',
  '/api/v1/reports/partners/{id}/customers',
  '/api/v1/reports/partners/{id}/subtree',
  '/api/v1/reports/partners/{id}/links',
  '/api/v1/reports/partners/{id}/earnings',
  '/api/v1/reports/partners/{id}/earnings/entries',
  '/api/v1/reports/overview',
  '/api/v1/partners/{partner_id}/numbers',
  '/api/v1/partners/{partner_id}/earnings',
  '/api/v1/partners/{partner_id}/cpa-progress',
  '/api/v1/partners',
  '/api/v1/partners/{partner_id}/customers',
  '/api/v1/partners/{partner_id}/subtree',
  '/api/v1/partners/{partner_id}/links',
  '/api/v1/links/{link_id}/stats',
  '/api/v1/forex/customers',
  '/api/v1/forex/transactions',
  '/api/v1/forex/trading-activity',
  '/api/v1/forex/deals',
  '/api/v1/trading-accounts',
  '/api/v1/partners/{partner_id}/ledger',
  '/api/v1/partners/{partner_id}/ledger/export',
  '/api/v1/ledger',
  '/api/v1/audit-log',
  '/api/v1/audit-log.csv',
  '/api/v1/events',
  '/api/v1/webhooks/messages',
  '/api/v1/webhooks/attempts',
  '/api/v1/embed/widget',
];

const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

declare module 'fastify' {
  interface FastifyRequest {
    /** Which pool answers this request's reads, and why (set on replica routes when a replica is configured). */
    readPool?: { pool: 'primary' | 'replica'; reason: string; scope: ReplicaScope };
  }
}

/**
 * With OPENIB_READ_DATABASE_URL set: decides per request of a replica route which pool reads,
 * says so in the X-OpenIB-Read-Pool header and the openib_read_requests_total metric, and records
 * each caller's write position after its successful writes. Without a replica it adds nothing.
 */
export function registerReadRouting(app: FastifyInstance) {
  const db = replicaOf(app.ctx.db);
  if (!db) return;
  const { primary, replica } = db;
  const routes = new Set(REPLICA_ROUTES);

  const decide: preHandlerHookHandler = async (request, reply) => {
    const caller = request.caller?.clientId;
    let pool: 'primary' | 'replica' = 'replica';
    let reason = 'fresh';
    if (!db.replicaAvailable()) {
      request.readPool = { pool: 'primary', reason: 'replica_unavailable', scope: { fellBack: false, replicaAnswered: 0 } };
      return;
    }
    try {
      const [fence] = caller ? await primary.query<{ lsn: string }>('SELECT lsn::text AS lsn FROM read_fences WHERE caller = $1', [caller]) : [];
      if (fence) {
        const [row] = await replica.query<{ fresh: boolean | null }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS fresh', [fence.lsn]);
        // null: the replica is not replaying (it is a primary itself); it has everything it will get.
        if (row.fresh === false) {
          pool = 'primary';
          reason = 'own_write';
        }
      }
    } catch (err) {
      request.log.warn({ err }, 'read replica unavailable; reading from the primary');
      pool = 'primary';
      reason = 'replica_unavailable';
    }
    request.readPool = { pool, reason, scope: { fellBack: false, replicaAnswered: 0 } };
  };

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('GET') || !routes.has(openApiPath(route.url))) return;
    const handler = route.handler;
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const read = request.readPool;
      return read?.pool === 'replica' ? readingFromReplica(read.scope, () => handler.call(this, request, reply)) : handler.call(this, request, reply);
    } as typeof route.handler;
    const before = route.preHandler ? (Array.isArray(route.preHandler) ? route.preHandler : [route.preHandler]) : [];
    route.preHandler = [...before, decide];
  });

  // A caller's write is answered only after its position is recorded, so its very next read is fenced.
  app.addHook('onSend', async (request, reply, payload) => {
    const read = request.readPool;
    if (read) {
      // The replica went away while this request read from it: the primary answered.
      const { pool, reason } = read.scope.fellBack
        ? { pool: 'primary', reason: 'replica_unavailable' }
        : read.pool === 'replica' && !read.scope.replicaAnswered
          ? { pool: 'primary', reason: 'primary_only' }
          : read;
      reply.header('x-openib-read-pool', pool);
      app.metrics.readRequests.inc({ pool, reason });
      return payload;
    }
    const caller = request.caller?.clientId;
    if (!caller || reply.statusCode >= 400 || request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return payload;
    await primary
      .query(
        `INSERT INTO read_fences (caller, lsn) VALUES ($1, pg_current_wal_lsn())
         ON CONFLICT (caller) DO UPDATE SET lsn = GREATEST(read_fences.lsn, EXCLUDED.lsn), written_at = now()`,
        [caller],
      )
      .catch((err) => request.log.warn({ err }, 'read fence not recorded'));
    return payload;
  });
}
