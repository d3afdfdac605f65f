/**
 * Rate limits hold across API processes: two `openib start --role=api` processes on one PostgreSQL
 * database share the per-token API limit, the token endpoint's limit and sign-in lockouts. On the
 * embedded database (one process only) the counter is in memory and still counts windows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, TEST_BACKEND, TEST_KEYS } from '../../test/helpers/database.ts';
import { freePort } from '../../test/helpers/pg-replication.ts';
import { memoryWindowCounter } from './rate-limit-store.ts';

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

describe('the in-memory window counter (embedded database)', () => {
  it('counts hits per key and starts again when the window ends', async () => {
    let now = 1_000_000;
    const counter = memoryWindowCounter(() => now);
    expect((await counter.hit('a', 60_000)).count).toBe(1);
    expect((await counter.hit('a', 60_000)).count).toBe(2);
    expect((await counter.hit('b', 60_000)).count).toBe(1);
    now += 30_000;
    expect(await counter.hit('a', 60_000)).toEqual({ count: 3, ttlMs: 30_000 });
    now += 30_000;
    expect((await counter.hit('a', 60_000)).count).toBe(1);
  });
});


describe.skipIf(TEST_BACKEND !== 'postgres')('two API processes on one PostgreSQL database', () => {
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  const secret = randomBytes(24).toString('base64url');
  let drop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const fresh = await freshDatabase();
    drop = fresh.drop;
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const child = spawn(process.execPath, [MAIN, 'start', '--role=api'], {
        env: {
          ...process.env,
          DATABASE_URL: fresh.url,
          PORT: String(port),
          HOST: '127.0.0.1',
          OPENIB_ENCRYPTION_KEYS: TEST_KEYS,
          OPENIB_DEMO: '0',
          OPENIB_LOG_LEVEL: 'warn',
          OPENIB_ADMIN_CLIENT_ID: 'limits-admin',
          OPENIB_ADMIN_CLIENT_SECRET: secret,
          OPENIB_RATE_LIMIT_PER_MINUTE: '20',
          OPENIB_TOKEN_RATE_LIMIT_PER_MINUTE: '6',
          OPENIB_SIGN_IN_RATE_LIMIT_PER_MINUTE: '1000',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      urls.push(`http://127.0.0.1:${port}`);
      // One at a time: the first applies the migrations.
      const deadline = Date.now() + 90_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`openib start exited with ${child.exitCode}`);
        if (await fetch(`${urls[i]}/readyz`).then((r) => r.ok, () => false)) break;
        if (Date.now() > deadline) throw new Error('openib start did not become ready within 90 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 200_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    await drop();
  });

  const token = (url: string) =>
    fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'limits-admin', client_secret: secret }),
    });

  let bearer = '';
  it('counts token requests for one client across both processes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await token(urls[i % 2]);
      statuses.push(res.status);
      if (res.ok) bearer = ((await res.json()) as { access_token: string }).access_token;
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(6);
    expect(statuses.slice(6)).toEqual([429, 429]);
  });

  it('answers an embed token on the process that did not mint it', async () => {
    const auth = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
    const partner = await fetch(`${urls[0]}/api/v1/partners`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Either Process' }) });
    expect(partner.status).toBe(201);
    const { partner_id: partnerId } = (await partner.json()) as { partner_id: string };
    const minted = await fetch(`${urls[0]}/api/v1/embed-tokens`, { method: 'POST', headers: auth, body: JSON.stringify({ partner_id: partnerId }) });
    expect(minted.status).toBe(201);
    const { token: embed } = (await minted.json()) as { token: string };
    const widget = await fetch(`${urls[1]}/api/v1/embed/widget`, { headers: { authorization: `Bearer ${embed}` } });
    expect(widget.status).toBe(200);
    expect(((await widget.json()) as { partner: { name: string } }).partner.name).toBe('Either Process');
  });

  it('allows a token its per-minute requests once, whichever process answers', async () => {
    // Two of the token's 20 requests went to the embed test above.
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++)
      statuses.push((await fetch(`${urls[i % 2]}/api/v1/partners`, { headers: { authorization: `Bearer ${bearer}` } })).status);
    expect(statuses.filter((s) => s === 200), statuses.join()).toHaveLength(18);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12);
    const refused = await fetch(`${urls[1]}/api/v1/partners`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('locks an email after five failed sign-ins spread over both processes', async () => {
    const signIn = (url: string) =>
      fetch(`${url}/api/v1/admin/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nobody@example.com', password: 'not-the-password' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await signIn(urls[i % 2])).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    const body = (await (await signIn(urls[1])).json()) as { error: { code: string } };
    expect(body.error.code).toBe('account_locked');
  });
});
