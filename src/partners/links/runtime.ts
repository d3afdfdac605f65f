import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../http/context.ts';
import { LinkCache } from './cache.ts';
import { ClickRecorder } from './recorder.ts';
import { type LinkKeys, loadLinkKeys } from './secret.ts';

/** The per-server state of the redirect: keys, the code cache and the click buffer. */
export interface LinkRuntime {
  keys: LinkKeys;
  cache: LinkCache;
  recorder: ClickRecorder;
}

const runtimes = new WeakMap<AppContext, LinkRuntime>();

/** Sets the runtime up for an app; its clicks are written out when the app closes. */
export async function startLinkRuntime(app: FastifyInstance): Promise<LinkRuntime> {
  const existing = runtimes.get(app.ctx);
  if (existing) return existing;
  const runtime: LinkRuntime = {
    keys: await loadLinkKeys(app.ctx.db),
    cache: new LinkCache(app.ctx.db),
    recorder: new ClickRecorder(app.ctx.db, {
      intervalMs: app.ctx.config.clickFlushMs,
      onError: (err, buffered) => app.log.error({ err, buffered }, 'could not store clicks; keeping them buffered and retrying'),
    }),
  };
  runtimes.set(app.ctx, runtime);
  app.addHook('onClose', async () => {
    await runtime.recorder.close();
    if (runtime.recorder.pending) app.log.error({ lost: runtime.recorder.pending }, 'clicks could not be stored before shutdown');
  });
  return runtime;
}

/** The runtime of a running app (tests, benchmarks and routes that change links use it). */
export function linkRuntime(ctx: AppContext): LinkRuntime | undefined {
  return runtimes.get(ctx);
}
