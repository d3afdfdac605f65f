import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { runOnce } from '../pull/run.ts';

/* A broker API on 127.0.0.1 serving customers in pages, with failures on demand. */
interface Broker {
  url: string;
  rows: Record<string, unknown>[];
  failPage: Map<number, number>;
  requests: string[];
  close(): Promise<void>;
}
async function startBroker(): Promise<Broker> {
  const broker = { rows: [] as Record<string, unknown>[], failPage: new Map<number, number>(), requests: [] as string[] } as Broker;
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    broker.requests.push(u.pathname + u.search);
    if (req.headers.authorization !== 'Bearer broker-key') {
      res.writeHead(401).end();
      return;
    }
    const page = Number(u.searchParams.get('page') ?? 1);
    const per = Number(u.searchParams.get('per_page') ?? 3);
    const left = broker.failPage.get(page) ?? 0;
    if (left > 0) {
      broker.failPage.set(page, left - 1);
      res.writeHead(503).end('busy');
      return;
    }
    let rows = broker.rows;
    const since = u.searchParams.get('modified_since');
    if (since) rows = rows.filter((r) => String(r.updated) >= since).sort((a, b) => String(a.updated).localeCompare(String(b.updated)));
    const after = u.searchParams.get('cursor');
    if (u.pathname === '/cursor') {
      const start = after ? Number(after) : 0;
      const slice = rows.slice(start, start + per);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: slice, next: start + per < rows.length ? String(start + per) : null }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: rows.slice((page - 1) * per, page * per), meta: { page, per_page: per } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  broker.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  broker.close = () => new Promise((r) => server.close(() => r()));
  return broker;
}

const person = (n: number, updated = `2026-03-0${1 + (n % 5)}T00:00:00Z`) => ({ uid: `R-${n}`, joined: 1772373900 + n, ib: n % 2 ? 'IB-1' : null, kyc: n % 3 === 0 ? 'ok' : 'wait', updated });
const MAPPING = {
  name: 'broker-api',
  events: {
    customer: {
      entity: 'customer',
      fields: {
        customer_id: 'uid',
        signup_date: { path: 'joined', date: 'unix_s' },
        affiliate_id: { path: 'ib', default: '' },
        kyc_status_id: { path: 'kyc', map: { ok: 'approved', wait: 'pending' } },
      },
    },
  },
};

let t: TestServer;
let token: string;
let broker: Broker;
beforeAll(async () => {
  t = await startTestServer({}, { persistent: true });
  token = await t.token(['admin']);
  broker = await startBroker();
  expect((await t.call('PUT', '/api/v1/connectors/mappings/broker-api', { token, body: MAPPING })).status).toBe(200);
});
afterAll(async () => {
  await broker.close();
  await t.stop();
});

const create = (id: string, config: Record<string, unknown>) =>
  t.call('POST', '/api/v1/connectors', {
    token,
    body: { id, name: id, kind: 'rest', config: { records_path: 'data', mapping: 'broker-api', event: 'customer', retry: { attempts: 2, base_delay_ms: 5 }, ...config }, secrets: { auth_header: { name: 'Authorization', value: 'Bearer broker-key' } } },
  });
const customerIds = async () => (await t.call('GET', '/api/v1/forex/customers?per_page=500', { token })).body.data.map((c: { customer_id: string }) => c.customer_id).sort();
const registered = async () => (await t.call('GET', '/api/v1/events?type=customer.registered&limit=1000', { token })).body.data.length;

describe('REST pull connector', () => {
  it('pages through the API; a run that fails mid-way resumes at the first uncommitted page after a restart', async () => {
    broker.rows = Array.from({ length: 7 }, (_, i) => person(i + 1));
    const res = await create('pages', { url: `${broker.url}/customers?page={page}&per_page={per_page}`, pagination: { style: 'page', per_page: 3 } });
    expect(res.status, res.text).toBe(201);
    expect(JSON.stringify(res.body)).not.toContain('broker-key');

    broker.failPage.set(2, 5); // page 2 keeps failing: this run stops after page 1
    const first = await runOnce(t.server.ctx, 'pages');
    expect(first).toMatchObject({ status: 'failed', records_in: 3 });
    expect(first.error).toMatch(/HTTP 503, after 2 attempt/);
    expect(await customerIds()).toEqual(['R-1', 'R-2', 'R-3']);
    expect((await t.call('GET', '/api/v1/connectors/pages', { token })).body.data).toMatchObject({ cursor: { page: 2 }, consecutive_failures: 1, last_error: expect.stringMatching(/503/) });

    await t.restart();
    broker.failPage.clear();
    const second = await t.call('POST', '/api/v1/connectors/pages/run', { token });
    expect(second.body.data).toMatchObject({ status: 'ok', records_in: 4 });
    expect(await customerIds()).toEqual(['R-1', 'R-2', 'R-3', 'R-4', 'R-5', 'R-6', 'R-7']);
    expect(await registered()).toBe(7);
    const [c] = (await t.call('GET', '/api/v1/forex/customers?kyc_status_id=approved&per_page=1', { token })).body.data;
    expect(c).toMatchObject({ customer_id: 'R-3', affiliate_id: 'IB-1' });

    // Appended records land on the short last page, which the next run reads again.
    broker.rows.push(person(8), person(9));
    const third = await runOnce(t.server.ctx, 'pages');
    expect(third).toMatchObject({ status: 'ok', records_in: 3 });
    expect(await registered()).toBe(9);
    const status = (await t.call('GET', '/api/v1/connectors', { token })).body.data.find((x: { id: string }) => x.id === 'pages');
    expect(status).toMatchObject({ status: 'active', cursor: { page: 4 }, records_in: 10, records_rejected: 0, last_error: null, consecutive_failures: 0, lag_seconds: expect.any(Number) });
  });

  it('retries a busy page with backoff within the run', async () => {
    broker.failPage.set(1, 1);
    const before = broker.requests.length;
    const res = await create('retry', { url: `${broker.url}/customers?page={page}&per_page={per_page}`, pagination: { style: 'page', per_page: 50 } });
    expect(res.status).toBe(201);
    expect(await runOnce(t.server.ctx, 'retry')).toMatchObject({ status: 'ok', records_in: 9 });
    expect(broker.requests.length - before).toBe(2);
  });

  it('follows a cursor and modified_since, without gaps or duplicates', async () => {
    expect((await create('cursor', { url: `${broker.url}/cursor?cursor={cursor}&per_page={per_page}`, records_path: 'items', pagination: { style: 'cursor', cursor_path: 'next', per_page: 4 } })).status).toBe(201);
    expect(await runOnce(t.server.ctx, 'cursor')).toMatchObject({ status: 'ok', records_in: 9 });
    expect((await t.call('GET', '/api/v1/connectors/cursor', { token })).body.data.cursor).toEqual({ cursor: '8' });

    broker.rows = Array.from({ length: 5 }, (_, i) => person(20 + i, `2026-03-1${i}T00:00:00Z`));
    expect(
      (await create('since', { url: `${broker.url}/customers?modified_since={modified_since}&page={page}&per_page={per_page}`, pagination: { style: 'modified_since', modified_path: 'updated', per_page: 2 } })).status,
    ).toBe(201);
    expect(await runOnce(t.server.ctx, 'since')).toMatchObject({ status: 'ok', records_in: 5 });
    expect((await t.call('GET', '/api/v1/connectors/since', { token })).body.data.cursor).toEqual({ modified_since: '2026-03-14T00:00:00Z', page: 1 });
    broker.rows.push(person(30, '2026-03-20T00:00:00Z'));
    expect(await runOnce(t.server.ctx, 'since')).toMatchObject({ status: 'ok', records_in: 2 }); // the boundary record again (unchanged) and the new one
    expect(await registered()).toBe(9 + 6);
  });

  it('sends records it cannot map or store to the dead letters and moves on', async () => {
    broker.rows = [person(40), { ...person(41), kyc: 'weird' }, { ...person(42), joined: 'yesterday' }];
    expect((await create('bad', { url: `${broker.url}/customers?page={page}&per_page={per_page}`, pagination: { style: 'page', per_page: 10 } })).status).toBe(201);
    expect(await runOnce(t.server.ctx, 'bad')).toMatchObject({ status: 'ok', records_in: 1, records_rejected: 2 });
    const letters = (await t.call('GET', '/api/v1/connectors/dead-letters?source=rest:bad', { token })).body.data;
    expect(letters.map((l: { details: { field: string }[] }) => l.details[0].field)).toEqual(['kyc_status_id', 'signup_date']);
  });

  it('pauses after repeated failures and raises connector.failed; a successful manual run resumes it', async () => {
    expect((await create('down', { url: 'http://127.0.0.1:9/nothing?page={page}', pagination: { style: 'page' }, pause_after_failures: 2 })).status).toBe(201);
    expect((await runOnce(t.server.ctx, 'down')).paused).toBe(false);
    expect((await runOnce(t.server.ctx, 'down')).paused).toBe(true);
    expect((await t.call('GET', '/api/v1/connectors/down', { token })).body.data).toMatchObject({ status: 'paused', consecutive_failures: 2, last_error: expect.stringMatching(/could not be reached/) });
    const failed = (await t.call('GET', '/api/v1/events?type=connector.failed', { token })).body.data;
    expect(failed).toEqual([expect.objectContaining({ subject_id: 'down', data: expect.objectContaining({ consecutive_failures: 2 }) })]);
    expect(await runOnce(t.server.ctx, 'down', { scheduled: true })).toMatchObject({ status: 'skipped' });
    const fixed = await t.call('PATCH', '/api/v1/connectors/down', { token, body: { config: { url: `${broker.url}/customers?page={page}&per_page={per_page}`, records_path: 'data', mapping: 'broker-api', event: 'customer', pagination: { style: 'page' } } } });
    expect(fixed.status, fixed.text).toBe(200);
    expect((await t.call('POST', '/api/v1/connectors/down/run', { token })).body.data.status).toBe('ok');
    expect((await t.call('GET', '/api/v1/connectors/down', { token })).body.data).toMatchObject({ status: 'active', consecutive_failures: 0 });
  });

  it('refuses an invalid configuration naming the fields', async () => {
    const res = await create('nope', { url: 'ftp://x', pagination: { style: 'pages' } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['config.url', 'config.pagination']));
  });
});
