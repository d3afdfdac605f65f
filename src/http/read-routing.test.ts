/**
 * OPENIB_READ_DATABASE_URL: an API process on a PostgreSQL primary with a streaming replica (both
 * started by the test). Reports and lists are read from the replica; a caller's read after its own
 * write waits for the replica or goes to the primary; a replica that is down costs nothing but speed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type ReplicatedPostgres, replicationUnavailable, startReplicatedPostgres } from '../../test/helpers/pg-replication.ts';
import { TEST_BACKEND, TEST_KEYS } from '../../test/helpers/database.ts';
import { loadConfig } from '../config.ts';
import { REPLICA_ROUTES } from './read-routing.ts';

describe('OPENIB_READ_DATABASE_URL', () => {
  it('needs DATABASE_URL: a replica follows a PostgreSQL server, not the embedded database', () => {
    expect(() => loadConfig({ OPENIB_READ_DATABASE_URL: 'postgres://replica/openib' })).toThrow(/needs DATABASE_URL/);
    expect(loadConfig({ DATABASE_URL: 'postgres://primary/openib', OPENIB_READ_DATABASE_URL: 'postgres://replica/openib' }).readDatabaseUrl).toBe('postgres://replica/openib');
    expect(loadConfig({}).readDatabaseUrl).toBeUndefined();
  });
});

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const missing = replicationUnavailable();
if (TEST_BACKEND === 'postgres' && missing) console.warn(`read replica tests skipped: ${missing}`);

describe.skipIf(TEST_BACKEND !== 'postgres' || Boolean(missing))('reads from a streaming replica', () => {
  let cluster: ReplicatedPostgres;
  let child: ChildProcess;
  let url = '';
  const secret = randomBytes(24).toString('base64url');
  let writer = '';
  let reader = '';

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, pool: res.headers.get('x-openib-read-pool'), body: text ? JSON.parse(text) : undefined, text };
  };
  const tokenOf = async (clientId: string, clientSecret: string) => {
    const res = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const onReplica = async (sql: string) => {
    const c = new pg.Client({ connectionString: cluster.replicaUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    cluster = await startReplicatedPostgres();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [MAIN, 'start', '--role=api'], {
      env: {
        ...process.env,
        DATABASE_URL: cluster.primaryUrl,
        OPENIB_READ_DATABASE_URL: cluster.replicaUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        OPENIB_ENCRYPTION_KEYS: TEST_KEYS,
        OPENIB_DEMO: '0',
        OPENIB_LOG_LEVEL: 'error',
        OPENIB_ADMIN_CLIENT_ID: 'replica-admin',
        OPENIB_ADMIN_CLIENT_SECRET: secret,
      },
      stdio: ['ignore', process.env.DEBUG_READS ? 'inherit' : 'ignore', 'inherit'],
    });
    const deadline = Date.now() + 90_000;
    while (!(await fetch(`${url}/readyz`).then((r) => r.ok, () => false))) {
      if (child.exitCode !== null) throw new Error(`openib start exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('openib start did not become ready within 90 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    writer = await tokenOf('replica-admin', secret);
    const created = await call('POST', '/api/v1/clients', writer, { name: 'Dashboard', scopes: ['read:all'] });
    expect(created.status, created.text).toBe(201);
    reader = await tokenOf(created.body.client_id, created.body.client_secret);
    await cluster.caughtUp();
  }, 180_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    await cluster?.stop();
  });

  it('lists only routes that exist', async () => {
    const spec = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, { get?: unknown }> };
    for (const path of REPLICA_ROUTES) expect(spec.paths[path]?.get, path).toBeDefined();
  });

  it('answers reports and lists from the replica', async () => {
    const overview = await call('GET', '/api/v1/reports/overview', reader);
    expect(overview.status, overview.text).toBe(200);
    expect(overview.pool).toBe('replica');
    expect((await call('GET', '/api/v1/partners', reader)).pool).toBe('replica');
    // Other reads and every write stay on the primary.
    expect((await call('GET', '/api/v1/clients', writer)).pool).toBeNull();
  });

  it("shows a caller its own write even when the replica has not replayed it", async () => {
    await onReplica('SELECT pg_wal_replay_pause()');
    try {
      const created = await call('POST', '/api/v1/partners', writer, { name: 'Just Written' });
      expect(created.status, created.text).toBe(201);
      const own = await call('GET', '/api/v1/partners', writer);
      expect(own.pool).toBe('primary');
      expect(own.body.data.map((p: { name: string }) => p.name)).toContain('Just Written');
      // Another caller reads the replica, which is behind: the documented lag.
      const other = await call('GET', '/api/v1/partners', reader);
      expect(other.pool).toBe('replica');
      expect(other.body.data.map((p: { name: string }) => p.name)).not.toContain('Just Written');
    } finally {
      await onReplica('SELECT pg_wal_replay_resume()');
    }
    await cluster.caughtUp();
    const later = await call('GET', '/api/v1/partners', writer);
    expect(later.pool).toBe('replica');
    expect(later.body.data.map((p: { name: string }) => p.name)).toContain('Just Written');
  });

  it('counts which pool answered in /metrics', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/openib_read_requests_total\{pool="replica",reason="fresh"\} [1-9]/);
    expect(text).toMatch(/openib_read_requests_total\{pool="primary",reason="own_write"\} [1-9]/);
    expect(text).toMatch(/^openib_read_replica_lag_bytes \d+/m);
  });

  it('falls back to the primary when the replica is down', async () => {
    await cluster.stopReplica();
    const res = await call('GET', '/api/v1/reports/overview', reader);
    expect(res.status, res.text).toBe(200);
    expect(res.pool).toBe('primary');
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/openib_read_requests_total\{pool="primary",reason="replica_unavailable"\} [1-9]/);
  });
});
