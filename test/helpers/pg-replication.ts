/**
 * A PostgreSQL primary and a streaming replica of it, started from scratch for one test: initdb
 * into a temporary folder, pg_basebackup of it into another, each server on its own free port on
 * 127.0.0.1, run as the postgres user (tests run as root, which PostgreSQL refuses). stop() shuts
 * both down and removes the folders.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface ReplicatedPostgres {
  primaryUrl: string;
  replicaUrl: string;
  /** Waits until the replica has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  stopReplica(): Promise<void>;
  stop(): Promise<void>;
}

function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_basebackup'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

/** Why a replicated PostgreSQL cannot be started here, or undefined when it can. */
export function replicationUnavailable(): string | undefined {
  const bin = postgresBin();
  if (!bin) return 'PostgreSQL server binaries (initdb, pg_basebackup under /usr/lib/postgresql/*/bin) are not installed';
  if (process.getuid?.() !== 0) return undefined;
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root and there is no postgres user to run the servers as';
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function until(what: string, condition: () => Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const answers = (url: string) => async () => {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
};

export async function startReplicatedPostgres(): Promise<ReplicatedPostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error(replicationUnavailable());
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? Number(execFileSync('id', ['-u', 'postgres']).toString().trim()) : undefined;
  const gid = asRoot ? Number(execFileSync('id', ['-g', 'postgres']).toString().trim()) : undefined;
  const as = asRoot ? { uid, gid } : {};
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'openib-pg-'));
    if (asRoot) chownSync(dir, uid!, gid!);
    return dir;
  };
  const primaryDir = folder();
  const replicaDir = folder();
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(join(bin, cmd), args, { ...as, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.error?.message}`);
  };
  const server = (dir: string) => {
    const child = spawn(join(bin, 'postgres'), ['-D', dir], { ...as, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log = (log + d.toString()).slice(-4000);
    });
    child.once('exit', (code) => {
      if (code && code !== 0) process.stderr.write(`postgres in ${dir} exited ${code}: ${log}\n`);
    });
    children.push(child);
    return child;
  };
  const stopServer = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGINT'); // fast shutdown
        });
  const cleanup = async () => {
    await Promise.all(children.map(stopServer));
    rmSync(primaryDir, { recursive: true, force: true });
    rmSync(replicaDir, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', primaryDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
    // The replica reads the primary's log over a replication connection (trusted on 127.0.0.1 by initdb's pg_hba.conf).
    appendFileSync(
      join(primaryDir, 'postgresql.conf'),
      [
        `port = ${primaryPort}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${primaryDir}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'max_connections = 200',
        'shared_buffers = 64MB',
        // The servers here are the test's own and are thrown away: durability across a crash of the machine is not under test.
        'fsync = off',
        'full_page_writes = off',
        '',
      ].join('\n'),
    );
    const primary = server(primaryDir);
    const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
    await until('the primary answers', async () => primary.exitCode === null && (await answers(primaryUrl)()), 30_000);
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
    appendFileSync(join(replicaDir, 'postgresql.auto.conf'), `port = ${replicaPort}\nunix_socket_directories = '${replicaDir}'\nhot_standby = on\n`);
    const replica = server(replicaDir);
    const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/postgres`;
    await until('the replica answers', async () => replica.exitCode === null && (await answers(replicaUrl)()), 30_000);
    const lsnOf = async (url: string, sql: string) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(sql)).rows[0] as Record<string, unknown>;
      } finally {
        await c.end();
      }
    };
    return {
      primaryUrl,
      replicaUrl,
      async caughtUp(timeoutMs = 30_000) {
        const { lsn } = await lsnOf(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn');
        await until('the replica caught up', async () => (await lsnOf(replicaUrl, `SELECT pg_last_wal_replay_lsn() >= '${String(lsn)}'::pg_lsn AS ok`)).ok === true, timeoutMs);
      },
      stopReplica: () => stopServer(replica),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
