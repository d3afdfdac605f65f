import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

export interface ServerProcess {
  port: number;
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** Runs `openib start` in its own process, so load generated here does not share its event loop. */
export async function startServerProcess(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
  const clientId = 'bench-admin';
  const secret = randomBytes(24).toString('base64url');
  const port = String(20000 + Math.floor(Math.random() * 20000));
  // OPENIB_BENCH_CPU_PROFILE=<folder>: the server writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
  const profile = process.env.OPENIB_BENCH_CPU_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.OPENIB_BENCH_CPU_PROFILE}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, CLI, 'start', ...args], {
    env: {
      ...process.env,
      PORT: port,
      HOST: '127.0.0.1',
      OPENIB_DEMO: '0',
      OPENIB_LOG_LEVEL: 'warn',
      OPENIB_RATE_LIMIT_PER_MINUTE: '100000000',
      OPENIB_ADMIN_CLIENT_ID: clientId,
      OPENIB_ADMIN_CLIENT_SECRET: secret,
      // A throwaway key: PostgreSQL refuses to start without one.
      ...(env.DATABASE_URL && !process.env.OPENIB_ENCRYPTION_KEYS ? { OPENIB_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64url')}` } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`openib start exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      /* not up yet */
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
    port: Number(port),
    url,
    token,
    /** SIGTERM, as an orchestrator stops it: the clean shutdown path. */
    stop: () =>
      new Promise((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** A scratch database on the benchmark's PostgreSQL server, dropped by the returned function. */
export async function scratchDatabase(adminUrl: string, label = 'run'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `openib_bench_${label}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: adminUrl.replace(/\/[^/]*$/, `/${name}`),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
