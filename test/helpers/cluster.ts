/**
 * A small OpenIB cluster on this machine, for the cluster test and `npm run bench -- cluster`:
 * HAProxy (Debian's) in front of API processes, worker processes, a PostgreSQL primary and a
 * streaming replica (test/helpers/pg-replication.ts), and a local webhook receiver. Everything
 * listens on 127.0.0.1 and everything is stopped by stop().
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Database, openDatabase } from '../../src/db/index.ts';
import { hasKeyRing, installKeyRing, keyRingOf } from '../../src/shared/keyring.ts';
import { TEST_KEYS } from './database.ts';
import { freePort, type ReplicatedPostgres, replicationUnavailable, startReplicatedPostgres } from './pg-replication.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p));

/** Why a cluster cannot be started here (a tool is missing), or undefined. */
export function clusterUnavailable(): string | undefined {
  if (!HAPROXY) return 'HAProxy is not installed (apt-get install -y haproxy)';
  return replicationUnavailable();
}

export interface ClusterProcess {
  readonly role: 'api' | 'worker';
  readonly port?: number;
  child: ChildProcess;
  /** kill -9, and wait until it is gone. */
  kill(): Promise<void>;
  /** Starts it again (same port for an API process) and waits until it is ready. */
  restart(): Promise<void>;
}

export interface Cluster {
  pg: ReplicatedPostgres;
  /** The test's own connection to the primary, for setting up and checking. */
  db: Database;
  /** The load balancer, with every API process behind it. */
  url: string;
  /** A second HAProxy frontend with only the first API process behind it (the one-process baseline). */
  singleUrl: string;
  apis: ClusterProcess[];
  workers: ClusterProcess[];
  receiver: Receiver;
  adminSecret: string;
  rateLimitPerMinute: number;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  apis?: number;
  workers?: number;
  rateLimitPerMinute?: number;
}

const waitFor = async (what: string, condition: () => Promise<boolean>, ms: number, failed?: () => string | undefined) => {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return;
    const why = failed?.();
    if (why) throw new Error(`${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

export const ADMIN_CLIENT = 'cluster-admin';

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const apiCount = options.apis ?? 2;
  const workerCount = options.workers ?? 2;
  const rateLimitPerMinute = options.rateLimitPerMinute ?? 300;
  const adminSecret = randomBytes(24).toString('base64url');
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    const pg = await startReplicatedPostgres();
    stops.push(() => pg.stop());
    const receiver = await startReceiver();
    stops.push(() => receiver.close());
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      DATABASE_URL: pg.primaryUrl,
      OPENIB_READ_DATABASE_URL: pg.replicaUrl,
      OPENIB_ENCRYPTION_KEYS: TEST_KEYS,
      OPENIB_DEMO: '0',
      OPENIB_LOG_LEVEL: 'error',
      OPENIB_ADMIN_CLIENT_ID: ADMIN_CLIENT,
      OPENIB_ADMIN_CLIENT_SECRET: adminSecret,
      OPENIB_RATE_LIMIT_PER_MINUTE: String(rateLimitPerMinute),
      OPENIB_TOKEN_RATE_LIMIT_PER_MINUTE: '100000',
      OPENIB_OUTBOUND_ALLOWLIST: '127.0.0.1/32',
      OPENIB_WEBHOOK_TIMEOUT_MS: '2000',
      // A killed worker's claimed webhooks are sent by the other worker after 5 s + 2 s + 5 s, not 80 s.
      OPENIB_WEBHOOK_LEASE_GRACE_SECONDS: '5',
      // Lanes of ten: a killed worker's unrecorded sends (sent again by the other) are at most ten.
      OPENIB_WEBHOOK_ENDPOINT_BATCH: '10',
      OPENIB_WORKER_INTERVAL_MS: '50',
      OPENIB_COMMISSIONS_AUTO: '1',
      OPENIB_DB_POOL_SIZE: '8',
    };
    const processes: ClusterProcess[] = [];
    stops.push(async () => {
      await Promise.all(processes.map((p) => p.kill()));
    });
    const launch = (role: 'api' | 'worker', port?: number): { proc: ClusterProcess; ready: () => Promise<void> } => {
      const spawnIt = () =>
        spawn(process.execPath, [MAIN, 'start', `--role=${role}`], {
          env: { ...env, ...(port ? { PORT: String(port), HOST: '127.0.0.1' } : {}) },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
      const ready = async (p: ClusterProcess) => {
        const exited = () => (p.child.exitCode !== null ? `exited with ${p.child.exitCode}` : undefined);
        if (port)
          await waitFor(`API process on ${port} is ready`, () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false), 90_000, exited);

      };
      const proc: ClusterProcess = {
        role,
        port,
        child: spawnIt(),
        async kill() {
          const c = proc.child;
          if (c.exitCode !== null || c.signalCode !== null) return;
          const gone = new Promise((r) => c.once('exit', r));
          c.kill('SIGKILL');
          await gone;
        },
        async restart() {
          await proc.kill();
          proc.child = spawnIt();
          await ready(proc);
        },
      };
      processes.push(proc);
      return { proc, ready: () => ready(proc) };
    };
    const apis: ClusterProcess[] = [];
    for (let i = 0; i < apiCount; i++) {
      const { proc, ready } = launch('api', await freePort());
      // The first applies the migrations; the rest start once it has.
      await ready();
      apis.push(proc);
    }
    const workers = Array.from({ length: workerCount }, () => launch('worker').proc);

    const dir = mkdtempSync(join(tmpdir(), 'openib-haproxy-'));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    const [lbPort, singlePort] = [await freePort(), await freePort()];
    const servers = (list: ClusterProcess[]) => list.map((a, i) => `  server api${i + 1} 127.0.0.1:${a.port} check`).join('\n');
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(
      cfg,
      `global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # A connection refused by a killed process is tried on the other one; a request already sent is not.
  retries 3
  option redispatch
  retry-on conn-failure
  default-server inter 250ms fall 1 rise 1
frontend cluster
  bind 127.0.0.1:${lbPort}
  default_backend apis
frontend single
  bind 127.0.0.1:${singlePort}
  default_backend first
backend apis
  balance roundrobin
  option httpchk GET /readyz
${servers(apis)}
backend first
  option httpchk GET /readyz
${servers(apis.slice(0, 1))}
`,
    );
    const check = spawnSync(HAPROXY as string, ['-c', '-q', '-f', cfg], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`haproxy refused its configuration: ${check.stderr}`);
    const lb = spawn(HAPROXY as string, ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    stops.push(async () => {
      if (lb.exitCode !== null) return;
      const gone = new Promise((r) => lb.once('exit', r));
      lb.kill('SIGKILL');
      await gone;
    });
    const url = `http://127.0.0.1:${lbPort}`;
    await waitFor('HAProxy answers', () => fetch(`${url}/readyz`).then((r) => r.ok, () => false), 20_000, () => (lb.exitCode !== null ? `haproxy exited with ${lb.exitCode}` : undefined));
    // The test's own writes (the partner tree) seal personal data with the processes' key ring.
    if (!hasKeyRing()) installKeyRing(keyRingOf(TEST_KEYS));
    const db = await openDatabase({ url: pg.primaryUrl, poolSize: 4 });
    stops.push(() => db.close());
    return { pg, db, url, singleUrl: `http://127.0.0.1:${singlePort}`, apis, workers, receiver, adminSecret, rateLimitPerMinute, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** A client of the cluster: re-mints its token before the per-token limit would refuse it. */
export class ClusterClient {
  private token = '';
  private used = 0;
  private readonly url: string;
  private readonly clientId: string;
  private readonly secret: string;
  private readonly perToken: number;
  constructor(url: string, clientId: string, secret: string, perToken: number) {
    this.url = url;
    this.clientId = clientId;
    this.secret = secret;
    this.perToken = perToken;
  }

  private async bearer(): Promise<string> {
    if (!this.token || this.used >= this.perToken) {
      const res = await retrying(() =>
        fetch(`${this.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', client_id: this.clientId, client_secret: this.secret }),
        }),
      );
      this.token = ((await res.json()) as { access_token: string }).access_token;
      this.used = 0;
    }
    this.used += 1;
    return this.token;
  }

  /**
   * Sends a request until it is answered by an OpenIB process: a write carries one Idempotency-Key
   * across its attempts, so a retry after a process died mid-request never writes twice.
   */
  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
    const key = method === 'GET' ? undefined : randomUUID();
    const res = await retrying(async () =>
      fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${await this.bearer()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }
}

/** Retries while no OpenIB process answered (connection lost, or the load balancer's 502/503/504). */
async function retrying(send: () => Promise<Response>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await send();
      if (![502, 503, 504].includes(res.status) || attempt >= 60) return res;
      await res.arrayBuffer();
    } catch (err) {
      if (attempt >= 60) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
