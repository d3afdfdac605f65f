import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../../src/auth/clients.ts';
import type { Scope } from '../../src/auth/scopes.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { type RunningServer, type ServerOptions, startServer } from '../../src/server.ts';
import { freshDatabase, TEST_KEYS } from './database.ts';

export interface TestServer {
  url: string;
  server: RunningServer;
  /** A bearer token of a new API client holding these scopes (admin by default), bound to a partner when given. */
  token(scopes?: Scope[], partnerId?: string): Promise<string>;
  /** Stops the server and starts a new one over the same database (a process restart), optionally with changed settings. */
  restart(env?: Record<string, string>): Promise<void>;
  /** fetch against the server, JSON in and out; returns status, headers and parsed body. */
  call(method: string, path: string, opts?: CallOptions): Promise<CallResult>;
  stop(): Promise<void>;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is instead of JSON-encoding body. */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/**
 * Starts a real OpenIB server on a free port over a fresh database of the backend under test.
 * opts can pass a clock (a ManualClock), a role or the background tasks to run, and `persistent`
 * keeps an embedded database on disk so restart() can reopen it.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  opts: Omit<ServerOptions, 'logger'> & { persistent?: boolean } = {},
): Promise<TestServer> {
  const database = await freshDatabase();
  // An embedded database that must outlive a restart lives in a temporary folder, not in memory.
  const dir = opts.persistent && !database.url ? mkdtempSync(join(tmpdir(), 'openib-test-')) : undefined;
  const baseEnv: Record<string, string> = {
    PORT: '0',
    OPENIB_DEMO: '0',
    OPENIB_DATA_DIR: dir ?? database.dataDir,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    // PostgreSQL refuses to start without a configured key; tests that set their own keep theirs.
    ...(database.url && !env.OPENIB_ENCRYPTION_KEYS && !env.OPENIB_ENCRYPTION_KEY ? { OPENIB_ENCRYPTION_KEYS: TEST_KEYS } : {}),
    ...env,
  };
  let config: Config = loadConfig(baseEnv);
  const { persistent: _, ...serverOpts } = opts;
  let server = await startServer(config, { ...serverOpts, logger: false });
  let url = server.url;

  async function call(method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | Buffer | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  let n = 0;
  async function token(scopes: Scope[] = ['admin'], partnerId?: string): Promise<string> {
    const client = await createClient(server.ctx.db, { name: `test client ${++n}`, scopes, partnerId });
    const res = await call('POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret },
    });
    if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
    return res.body.access_token;
  }

  return {
    get url() {
      return url;
    },
    get server() {
      return server;
    },
    token,
    call,
    async restart(changed?: Record<string, string>) {
      await server.stop();
      if (changed) config = loadConfig({ ...baseEnv, ...changed });
      server = await startServer(config, { ...serverOpts, logger: false });
      url = server.url;
    },
    async stop() {
      await server.stop();
      await database.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
