import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

export interface OpenibProcess {
  port: number;
  url: string;
  token: string;
  /** SIGTERM, as an orchestrator stops it: the clean shutdown path. */
  stop(): Promise<void>;
}

/** A scratch database on the server of adminUrl, dropped again by drop(). */
export async function scratchDatabase(adminUrl: string, label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `openib_bench_${label}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: adminUrl.replace(/\/[^/]*$/, `/${name}`),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Runs `openib start` in its own process, so the load generated here does not share its event loop. */
export async function startOpenib(env: Record<string, string>): Promise<OpenibProcess> {
  const clientId = 'bench-admin';
  const secret = randomBytes(24).toString('base64url');
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child: ChildProcess = spawn(process.execPath, [CLI, 'start'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      OPENIB_DEMO: '0',
      OPENIB_LOG_LEVEL: 'warn',
      OPENIB_RATE_LIMIT_PER_MINUTE: '100000000',
      OPENIB_ADMIN_CLIENT_ID: clientId,
      OPENIB_ADMIN_CLIENT_SECRET: secret,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`openib start exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('openib start did not become ready within 60 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  return {
    port,
    url,
    token,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
