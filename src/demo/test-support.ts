import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { loadDemo } from './seed.ts';

/**
 * A test server over a fresh database with the demo data dated back from a fixed instant, so the
 * expectations do not depend on the day the tests run. The server itself keeps the real clock.
 */
export async function startDemoServer(now: string, env: Record<string, string> = {}): Promise<TestServer> {
  const t = await startTestServer({ ...env, OPENIB_DEMO: '0' });
  await loadDemo(t.server.ctx.db, { settings: t.server.ctx.config, now: new Date(now) });
  return t;
}
