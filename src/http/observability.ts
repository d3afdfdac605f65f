import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { connectorGauges } from '../connectors/pull/catalogue.ts';
import { AppError } from '../shared/errors.ts';
import { replicaOf } from '../db/read-replica.ts';

/** /healthz (process alive), /readyz (database answers) and /metrics (Prometheus text format). */
export function registerObservability(app: FastifyInstance) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'openib_' });
  const duration = new Histogram({
    name: 'openib_http_request_duration_seconds',
    help: 'HTTP request duration by route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const ingested = new Counter({
    name: 'openib_ingested_records_total',
    help: 'Records accepted by the bulk data API, by entity and outcome.',
    labelNames: ['entity', 'outcome'],
    registers: [registry],
  });
  const readRequests = new Counter({
    name: 'openib_read_requests_total',
    help: 'Requests of report, list and export routes by the database pool that answered their reads (primary or replica) and why.',
    labelNames: ['pool', 'reason'],
    registers: [registry],
  });
  app.decorate('metrics', { ingested, readRequests });
  const replicated = replicaOf(app.ctx.db);
  const replicaLag = replicated
    ? new Gauge({
        name: 'openib_read_replica_lag_bytes',
        help: 'Bytes of write-ahead log the read replica has yet to replay (read when scraped).',
        registers: [registry],
        // Absent while the replica cannot be reached (alert on absent() too).
        async collect() {
          this.reset();
          try {
            const [p] = await replicated.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
            const [r] = await replicated.replica.query<{ lag: string | null }>('SELECT pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::text AS lag', [p.lsn]);
            this.set(Math.max(0, Number(r.lag ?? 0)));
          } catch {
            /* replica unreachable */
          }
        },
      })
    : undefined;
  void replicaLag;

  // Connector gauges are read from the database when scraped, so every process reports the same.
  const lag = new Gauge({ name: 'openib_connector_lag_seconds', help: 'Seconds the connector is behind its source (see GET /api/v1/connectors).', labelNames: ['connector', 'kind'], registers: [registry] });
  const rate = new Gauge({ name: 'openib_connector_rows_per_minute', help: 'Records a connector stored or refused per minute over the last five minutes.', labelNames: ['connector', 'kind'], registers: [registry] });
  const paused = new Gauge({ name: 'openib_connector_paused', help: '1 when the connector is paused.', labelNames: ['connector', 'kind'], registers: [registry] });
  // Backlogs of the background work, read from the database when scraped (every process reports the same).
  const webhookMessages = new Gauge({ name: 'openib_webhook_messages', help: 'Webhook messages waiting to be delivered (pending) or given up on (dead).', labelNames: ['status'], registers: [registry] });
  const backlog = new Gauge({
    name: 'openib_background_backlog_events',
    help: 'Events the commission engine or the webhook fan-out has not read yet (counted up to 100,000).',
    labelNames: ['consumer'],
    registers: [registry],
  });
  const readBacklogs = async () => {
    const db = app.ctx.db;
    const counts = new Map((await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM webhook_messages WHERE status IN ('pending', 'dead') GROUP BY status`,
    )).map((r) => [r.status, Number(r.n)]));
    for (const status of ['pending', 'dead']) webhookMessages.set({ status }, counts.get(status) ?? 0);
    const [row] = await db.query<{ commissions: number; webhooks: number }>(
      `SELECT (SELECT count(*)::int FROM (SELECT 1 FROM events e, commission_event_position p WHERE (e.txid, e.id) > (p.last_txid, p.last_event_id) LIMIT 100000) c) AS commissions,
              (SELECT count(*)::int FROM (SELECT 1 FROM events e, webhook_fanout f WHERE (e.txid, e.id) > (f.last_txid, f.last_event_id) LIMIT 100000) w) AS webhooks`,
    );
    backlog.set({ consumer: 'commissions' }, Number(row.commissions));
    backlog.set({ consumer: 'webhooks' }, Number(row.webhooks));
  };
  const readGauges = async () => {
    lag.reset();
    rate.reset();
    paused.reset();
    for (const g of await connectorGauges(app.ctx.db)) {
      const labels = { connector: g.id, kind: g.kind };
      if (g.lag_seconds !== null) lag.set(labels, g.lag_seconds);
      rate.set(labels, g.rows_per_minute);
      paused.set(labels, g.status === 'paused' ? 1 : 0);
    }
  };

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const hidden = { hide: true } as const;
  app.get('/healthz', { config: { public: true }, schema: { ...hidden } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true }, schema: { ...hidden } }, async (_request, reply) => {
    try {
      await app.ctx.db.query('SELECT 1');
      return { status: 'ready', database: app.ctx.db.kind };
    } catch {
      return reply.status(503).send({ status: 'unavailable', database: app.ctx.db.kind });
    }
  });
  app.get('/metrics', { config: { public: true }, schema: { ...hidden } }, async (request, reply) => {
    const token = app.ctx.config.metricsToken;
    if (token && request.headers.authorization !== `Bearer ${token}`)
      throw new AppError(401, 'unauthorized', 'Send the OPENIB_METRICS_TOKEN as a bearer token to read metrics.');
    await readGauges().catch((err) => request.log.warn({ err }, 'connector gauges could not be read'));
    await readBacklogs().catch((err) => request.log.warn({ err }, 'backlog gauges could not be read'));
    reply.header('Content-Type', registry.contentType);
    return registry.metrics();
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { ingested: Counter<'entity' | 'outcome'>; readRequests: Counter<'pool' | 'reason'> };
  }
}
