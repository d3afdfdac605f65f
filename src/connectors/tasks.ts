import type { AppContext } from '../http/context.ts';
import { runImport } from './csv/import.ts';
import { feedOptions, openFeed } from './nats/feed.ts';
import { checkLag, pruneThroughput } from './pull/catalogue.ts';
import { dueConnectors, runOnce } from './pull/run.ts';

/*
 * The connectors' scheduled work, as plain objects for the worker runtime (`openib start
 * --role worker|all`) to run every intervalMs. Each run stops early when its signal aborts; all
 * state is in the database, so any number of workers can run them side by side.
 */

export interface ConnectorTask {
  name: string;
  intervalMs: number;
  run(ctx: AppContext, signal: AbortSignal): Promise<void>;
}

/** Runs every active pull connector (REST, MT4, MT5, Match-Trader) whose interval has passed, then raises connector.lagging where due. */
export const pullConnectorsTask: ConnectorTask = {
  name: 'connectors.pull',
  intervalMs: 15_000,
  async run(ctx, signal) {
    for (const id of await dueConnectors(ctx)) {
      if (signal.aborted) return;
      await runOnce(ctx, id, { signal, scheduled: true });
    }
    await checkLag(ctx);
  },
};

/** Drains the NATS JetStream feed while messages keep coming (only when OPENIB_NATS_URL is set). */
export const queueFeedTask: ConnectorTask = {
  name: 'connectors.queue-feed',
  intervalMs: 1_000,
  async run(ctx, signal) {
    const opts = feedOptions(ctx);
    if (!opts) return;
    const feed = await openFeed(ctx, opts);
    try {
      while (!signal.aborted) {
        const s = await feed.runBatch({ maxMessages: 500, expiresMs: 5_000 });
        if (s.acked + s.deadLettered + s.retried === 0) return;
      }
    } finally {
      await feed.close();
    }
  },
};

/** Forgets expired handshake sessions and received-event ids older than 30 days. */
export const connectorHousekeepingTask: ConnectorTask = {
  name: 'connectors.housekeeping',
  intervalMs: 60 * 60_000,
  async run(ctx) {
    await ctx.db.query('DELETE FROM connector_sessions WHERE expires_at < now()');
    await ctx.db.query(`DELETE FROM connector_received WHERE received_at < now() - interval '30 days'`);
    await pruneThroughput(ctx.db);
  },
};

/**
 * Continues uploaded imports (POST /api/v1/imports) that a stopped server left queued, running
 * or interrupted, from their committed position.
 */
export const resumeImportsTask: ConnectorTask = {
  name: 'connectors.resume-imports',
  intervalMs: 60_000,
  async run(ctx, signal) {
    const rows = await ctx.db.query<{ id: string }>(
      `SELECT id FROM connector_imports WHERE fingerprint LIKE 'upload:%' AND status IN ('queued', 'running', 'interrupted')
         AND updated_at < now() - interval '2 minutes' ORDER BY created_at`,
    );
    for (const { id } of rows) {
      if (signal.aborted) return;
      await runImport(ctx.db, { importId: id, entity: 'customer', filePath: '', signal, timeZone: ctx.config.brokerTimeZone });
    }
  },
};

export const connectorTasks: ConnectorTask[] = [pullConnectorsTask, queueFeedTask, resumeImportsTask, connectorHousekeepingTask];
