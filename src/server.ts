import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { DEMO_CLIENT, demoLoaded, loadDemo } from './demo/seed.ts';
import { seedDemoLogins } from './web-auth/demo.ts';
import { buildApp } from './http/app.ts';
import type { AppContext } from './http/context.ts';
import { openPlatform } from './platform.ts';
import type { Clock } from './worker/clock.ts';
import { jsonLogger, type Logger, silentLogger } from './worker/log.ts';
import { startWorkers, type Task, type Workers } from './worker/runner.ts';
import { platformTasks } from './worker/tasks.ts';

/** Which parts a process runs: the HTTP API, the background workers, or both. */
export type Role = 'api' | 'worker' | 'all';
export const ROLES: readonly Role[] = ['api', 'worker', 'all'];

export interface ServerOptions {
  logger?: boolean;
  announce?: boolean;
  /** 'all' by default. */
  role?: Role;
  /** The clock routes and workers compute schedules from (tests pass a ManualClock). */
  clock?: Clock;
  /** Background tasks instead of the platform's own (tests). */
  tasks?: Task[];
}

export interface RunningServer {
  /** The HTTP server; absent in a worker-only process. */
  app?: FastifyInstance;
  ctx: AppContext;
  /** Base URL of the HTTP server; empty in a worker-only process. */
  url: string;
  /** The background workers; absent in an API-only process. */
  workers?: Workers;
  log: Logger;
  stop(): Promise<void>;
}

/** Starts OpenIB: database, migrations, demo data on first start (unless OPENIB_DEMO=0), HTTP server and/or workers. */
export async function startServer(config: Config, opts: ServerOptions = {}): Promise<RunningServer> {
  const role = opts.role ?? 'all';
  const ctx = await openPlatform(config);
  if (opts.clock) ctx.clock = opts.clock;
  let demo = false;
  if (config.demo) {
    // Dated back from the server clock (tests pass a fixed one), so recent periods show activity.
    if (!(await demoLoaded(ctx.db))) await loadDemo(ctx.db, { settings: config, now: ctx.clock.now() });
    // Demo data loaded before sign-in existed gets its demo logins now.
    else await ctx.db.transaction((tx) => seedDemoLogins(tx));
    demo = true;
  }
  let app: FastifyInstance | undefined;
  let url = '';
  if (role !== 'worker') {
    app = await buildApp(ctx, { logger: opts.logger });
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = `${config.tls ? 'https' : 'http'}://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  }
  const log: Logger = opts.logger === false ? silentLogger : (app?.log ?? jsonLogger('openib-worker'));
  const workers =
    role === 'api'
      ? undefined
      : await startWorkers(ctx, opts.tasks ?? platformTasks(ctx), { clock: ctx.clock, log, intervalMs: config.workerIntervalMs });
  if (opts.announce) {
    const where = ctx.db.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL server';
    const lines = [''];
    if (app)
      lines.push(
        `OpenIB is running on ${url} (${where})${workers ? ' with background workers' : ''}`,
        `  API reference:  ${url}/docs`,
        `  OpenAPI:        ${url}/openapi.json`,
      );
    else lines.push(`OpenIB background workers are running (${where})`);
    if (demo && app)
      lines.push(
        `  Demo API client: client_id=${DEMO_CLIENT.id} client_secret=${DEMO_CLIENT.secret}`,
        `  Try: curl -s -d grant_type=client_credentials -d client_id=${DEMO_CLIENT.id} -d client_secret=${DEMO_CLIENT.secret} ${url}/oauth/token`,
        `  Demo sign-in:    admin@demo.openib.local / demo-admin-password (admin console), master@demo.openib.local / demo-partner-password (partner portal)`,
      );
    process.stdout.write(`${lines.join('\n')}\n\n`);
  }
  let stopped: Promise<void> | undefined;
  return {
    app,
    ctx,
    url,
    workers,
    log,
    stop() {
      stopped ??= (async () => {
        await app?.close();
        await workers?.stop();
        await ctx.db.close();
      })();
      return stopped;
    },
  };
}
