import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_BACKEND } from './helpers/database.ts';

const run = promisify(execFile);
const BIN = new URL('../bin/openib', import.meta.url).pathname;
const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'openib-cli-'));
  dirs.push(dir);
  return dir;
}

/** Starts `openib start` and resolves with its printed banner once it listens. */
function start(env: Record<string, string>): Promise<{ child: ChildProcess; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ['start'], { env: { ...process.env, OPENIB_LOG_LEVEL: 'warn', ...env } });
    children.push(child);
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s:\n${output}`)), 30_000);
    child.stdout?.on('data', (d) => {
      output += d;
      if (output.includes('API reference')) {
        clearTimeout(timer);
        resolve({ child, output });
      }
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

// The CLI is exercised on the embedded database; the PostgreSQL pass has nothing to add here.
describe.skipIf(TEST_BACKEND === 'postgres')('openib CLI (embedded database; runs in the PGlite pass)', () => {
  it('creates an API client and prints {client_id, client_secret, scopes} with --json', async () => {
    const env = { ...process.env, OPENIB_DATA_DIR: dataDir(), OPENIB_DEMO: '0' };
    const { stdout } = await run(BIN, ['clients', 'create', '--name', 'CRM', '--scopes', 'customers:write transactions:write', '--json'], { env });
    const out = JSON.parse(stdout);
    expect(out).toEqual({ client_id: expect.stringMatching(/^oc_/), client_secret: expect.stringMatching(/^ocs_/), scopes: ['customers:write', 'transactions:write'] });
    const list = await run(BIN, ['clients', 'list', '--json'], { env });
    expect(list.stdout).not.toContain(out.client_secret);
    await expect(run(BIN, ['clients', 'create', '--name', 'x', '--scopes', 'root'], { env })).rejects.toMatchObject({ stderr: expect.stringContaining('unknown scope') });
  });

  it('rotates a client secret, ends the overlap and updates scopes and allowlist, each audited', async () => {
    const env = { ...process.env, OPENIB_DATA_DIR: dataDir(), OPENIB_DEMO: '0' };
    const created = JSON.parse((await run(BIN, ['clients', 'create', '--name', 'CRM', '--scopes', 'customers:write', '--json'], { env })).stdout);
    const rotated = JSON.parse((await run(BIN, ['clients', 'rotate', created.client_id, '--overlap', '600', '--json'], { env })).stdout);
    expect(rotated.client_secret).toMatch(/^ocs_/);
    expect(rotated.client_secret).not.toBe(created.client_secret);
    expect(Date.parse(rotated.previous_secret_expires_at) - Date.now()).toBeGreaterThan(590_000);
    await run(BIN, ['clients', 'revoke-previous', created.client_id], { env });
    const updated = JSON.parse(
      (await run(BIN, ['clients', 'update', created.client_id, '--scopes', 'customers:read', '--allowed-ips', '10.0.0.0/8,2001:db8::/32', '--json'], { env })).stdout,
    );
    expect(updated).toMatchObject({ scopes: ['customers:read'], allowed_ips: ['10.0.0.0/8', '2001:db8::/32'], previous_secret_expires_at: null });
    await expect(run(BIN, ['clients', 'update', created.client_id, '--allowed-ips', '10.1'], { env })).rejects.toMatchObject({ stderr: expect.stringContaining('not an IP address') });
    const list = (await run(BIN, ['clients', 'list', '--json'], { env })).stdout;
    expect(list).not.toContain(rotated.client_secret);
  }, 180_000);

  it('prints its version with --version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const { stdout } = await run(BIN, ['--version']);
    expect(stdout.trim()).toBe(version);
  });

  it('migrates and reports when already up to date', async () => {
    const env = { ...process.env, OPENIB_DATA_DIR: dataDir() };
    expect((await run(BIN, ['migrate'], { env })).stdout).toMatch(/^Applied /);
    expect((await run(BIN, ['migrate'], { env })).stdout).toMatch(/^Up to date/);
  });

  it('starts with demo data on PORT and OPENIB_DATA_DIR, prints the docs URL and demo credentials, and stops cleanly', async () => {
    const dir = dataDir();
    const port = String(30000 + Math.floor(Math.random() * 20000));
    const { child, output } = await start({ PORT: port, OPENIB_DATA_DIR: dir });
    expect(output).toContain(`http://127.0.0.1:${port}/docs`);
    expect(output).toMatch(/client_id=demo-admin client_secret=\S+/);
    const token = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'demo-admin', client_secret: 'demo-secret-for-local-use-only' }),
    }).then((r) => r.json() as Promise<any>);
    const customers = await fetch(`http://127.0.0.1:${port}/api/v1/forex/customers`, { headers: { authorization: `Bearer ${token.access_token}` } }).then((r) => r.json() as Promise<any>);
    expect(customers.meta.total).toBeGreaterThan(0);
    // A second process may not open the same embedded database.
    await expect(run(BIN, ['migrate'], { env: { ...process.env, OPENIB_DATA_DIR: dir } })).rejects.toMatchObject({ stderr: expect.stringContaining('in use by process') });
    expect(await stop(child)).toBe(0);
  });

  it('starts empty with OPENIB_DEMO=0 and creates the admin client from the environment', async () => {
    const port = String(30000 + Math.floor(Math.random() * 20000));
    const secret = 'an-admin-secret-from-the-environment';
    const { child, output } = await start({ PORT: port, OPENIB_DATA_DIR: dataDir(), OPENIB_DEMO: '0', OPENIB_ADMIN_CLIENT_ID: 'ops-admin', OPENIB_ADMIN_CLIENT_SECRET: secret });
    expect(output).not.toContain('demo-admin');
    const token = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'ops-admin', client_secret: secret }),
    }).then((r) => r.json() as Promise<any>);
    const customers = await fetch(`http://127.0.0.1:${port}/api/v1/forex/customers`, { headers: { authorization: `Bearer ${token.access_token}` } }).then((r) => r.json() as Promise<any>);
    expect(customers.meta.total).toBe(0);
    expect(await stop(child)).toBe(0);
  });

  it('generates keys, refuses a PostgreSQL database without one, and rotates an embedded database\'s keys', async () => {
    const { stdout } = await run(BIN, ['keys', 'generate', '--id', 'k7']);
    expect(stdout.trim()).toMatch(/^k7:[A-Za-z0-9_-]{43}$/);
    const env = { ...process.env, OPENIB_ENCRYPTION_KEYS: '', OPENIB_ENCRYPTION_KEY: '', OPENIB_WEBHOOK_SECRETS_KEY: '' };
    await expect(run(BIN, ['start'], { env: { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } })).rejects.toMatchObject({
      stderr: expect.stringContaining('openib keys generate'),
    });
    const dir = dataDir();
    const first = await run(BIN, ['keys', 'status'], { env: { ...env, OPENIB_DATA_DIR: dir, OPENIB_DEMO: '0' } });
    expect(first.stdout).toContain('active key:  local1 (generated-file)');
    expect(first.stderr).toContain('production');
    const rotated = await run(BIN, ['keys', 'rotate'], { env: { ...env, OPENIB_DATA_DIR: dir, OPENIB_ENCRYPTION_KEYS: `${stdout.trim()},${readFileSync(join(dir, 'encryption.keys'), 'utf8').trim()}` } });
    expect(rotated.stdout).toMatch(/Rotation #\d+ completed: \d+ rows re-sealed under k7/);
  });
});
