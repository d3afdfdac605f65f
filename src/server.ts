import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { DEMO_CLIENT, demoLoaded, loadDemo } from './demo/seed.ts';
import { buildApp } from './http/app.ts';
import { purgeExpiredIdempotencyKeys } from './http/idempotency.ts';
import type { AppContext } from './http/context.ts';
import { openPlatform } from './platform.ts';

export interface RunningServer {
  app: FastifyInstance;
  ctx: AppContext;
  url: string;
  stop(): Promise<void>;
}

/** Starts OpenIB: database, migrations, demo data on first start (unless OPENIB_DEMO=0), HTTP server. */
export async function startServer(config: Config, opts: { logger?: boolean; announce?: boolean } = {}): Promise<RunningServer> {
  const ctx = await openPlatform(config);
  let demo = false;
  if (config.demo) {
    if (!(await demoLoaded(ctx.db))) await loadDemo(ctx.db, config.encryptionKey);
    demo = true;
  }
  const app = await buildApp(ctx, { logger: opts.logger });
  const purge = () => purgeExpiredIdempotencyKeys(ctx.db, config.idempotencyTtlHours).catch((err) => app.log.warn({ err }, 'idempotency purge failed'));
  await purge();
  const purgeTimer = setInterval(purge, 10 * 60_000).unref();
  app.addHook('onClose', async () => clearInterval(purgeTimer));
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  if (opts.announce) {
    const lines = [
      '',
      `OpenIB is running on ${url} (${ctx.db.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL server'})`,
      `  API reference:  ${url}/docs`,
      `  OpenAPI:        ${url}/openapi.json`,
    ];
    if (demo)
      lines.push(
        `  Demo API client: client_id=${DEMO_CLIENT.id} client_secret=${DEMO_CLIENT.secret}`,
        `  Try: curl -s -d grant_type=client_credentials -d client_id=${DEMO_CLIENT.id} -d client_secret=${DEMO_CLIENT.secret} ${url}/oauth/token`,
      );
    process.stdout.write(`${lines.join('\n')}\n\n`);
  }
  let stopped = false;
  return {
    app,
    ctx,
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await ctx.db.close();
    },
  };
}
