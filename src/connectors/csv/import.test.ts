import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { runImport } from './import.ts';

let t: TestServer;
let token: string;
const dir = mkdtempSync(join(tmpdir(), 'openib-csv-'));
beforeAll(async () => {
  t = await startTestServer();
  token = await t.token(['admin']);
});
afterAll(async () => {
  await t.stop();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const run = (entity: 'customer' | 'transaction' | 'activity' | 'deal', path: string, extra: Partial<Parameters<typeof runImport>[1]> = {}) =>
  runImport(t.server.ctx.db, { entity, filePath: path, timeZone: 'UTC', ...extra });
const customerIds = async () => (await t.call('GET', '/api/v1/forex/customers?per_page=500', { token })).body.data.map((c: { customer_id: string }) => c.customer_id).sort();
const registered = async () => (await t.call('GET', '/api/v1/events?type=customer.registered&limit=1000', { token })).body.data.length;

describe('CSV backfill', () => {
  it('stores good rows, reports bad ones (row, field, reason), and keeps the good rows of a chunk', async () => {
    const path = file(
      'customers.csv',
      '\ufeffcustomer_id,signup_date,affiliate_id,country_code,email,first_name\n' +
        'CSV-1,2026-03-01T10:00:00Z,IB-1,AE,a@example.com,"Smith, Jr."\n' +
        'CSV-2,2026-03-01T11:00:00Z,,GB,,Zoë\n' +
        'CSV-3,not a date,IB-1,DE,,x\n' +
        'CSV-4,2026-03-02T10:00:00Z,IB-2,XX,,y\n' +
        'CSV-5,2026-03-02T11:00:00Z,IB-2\n' +
        'CSV-1,2026-03-02T12:00:00Z,IB-1,AE,,dup\n' +
        'CSV-6,2026-03-03T10:00:00Z,IB-3,TH,,z\n' +
        'CSV-6,2026-03-03T10:00:00Z,IB-3,TH,,twice in one chunk\n',
    );
    const job = await run('customer', path, { chunkSize: 3 });
    // Row 6 repeats CSV-1 in a later chunk: like a record sent again, it updates CSV-1.
    expect(job).toMatchObject({ status: 'completed', rows_done: 8, rows_stored: 4, rows_rejected: 4 });
    expect(await customerIds()).toEqual(['CSV-1', 'CSV-2', 'CSV-6']);
    const c2 = (await t.call('GET', '/api/v1/forex/customers?affiliate_id=', { token })).body.data;
    expect(c2.map((c: { customer_id: string; first_name: string }) => `${c.customer_id}:${c.first_name}`)).toEqual(['CSV-2:Zoë']);
    expect(readFileSync(job.report_path as string, 'utf8')).toBe(
      'row,field,reason\n' +
        '3,signup_date,must be an ISO 8601 date-time such as 2026-03-01T14:05:00Z\n' +
        '4,country_code,must be an ISO 3166-1 alpha-2 country code such as GB\n' +
        '5,(row),has 3 fields; the header has 6\n' +
        '8,customer_id,repeats row 7; send one record per customer_id\n',
    );
  });

  it('resumes an interrupted import after the last committed chunk: no row twice, none missed', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => `R-${i},2026-03-01T10:00:00Z,IB-9`);
    const path = file('many.csv', `customer_id,signup_date,affiliate_id\n${lines.join('\n')}\n`);
    const before = await registered();
    const stop = new AbortController();
    const first = await run('customer', path, { chunkSize: 4, signal: stop.signal, onProgress: () => stop.abort() });
    expect(first).toMatchObject({ status: 'interrupted', rows_done: 4, rows_stored: 4 });
    expect(Number(first.position_bytes)).toBe(Buffer.byteLength(`customer_id,signup_date,affiliate_id\n${lines.slice(0, 4).join('\n')}\n`));
    const progress: number[] = [];
    const second = await run('customer', path, { chunkSize: 4, onProgress: (p) => progress.push(p.rows) });
    expect(second).toMatchObject({ id: first.id, status: 'completed', rows_done: 10, rows_stored: 10, rows_rejected: 0 });
    expect(progress).toEqual([8, 10]);
    expect((await registered()) - before).toBe(10);
    // Once completed, the same file is not imported again unless asked.
    expect((await run('customer', path)).id).toBe(first.id);
    const again = await run('customer', path, { restart: true });
    expect(again.id).not.toBe(first.id);
    expect((await registered()) - before).toBe(10);
  });

  it('imports transactions, activity and deals through the same functions', async () => {
    const tx = await run('transaction', file('tx.csv', 'transaction_id,customer_id,transaction_type,amount,currency,transaction_date,status\nCT-1,CSV-1,deposit,250.00,USD,2026-03-01T12:00:00Z,approved\nCT-2,NOBODY,deposit,1,USD,2026-03-01T12:00:00Z,approved\n'));
    expect(tx).toMatchObject({ status: 'completed', rows_stored: 1, rows_rejected: 1 });
    expect(readFileSync(tx.report_path as string, 'utf8')).toContain('2,customer_id,"no customer ""NOBODY"" exists; send the customer first"');
    const act = await run('activity', file('act.csv', 'date,customer_id,instrument,lots_traded,currency\n2026-03-02,CSV-1,EURUSD,1.25,USD\n'));
    expect(act).toMatchObject({ status: 'completed', rows_stored: 1 });
    const deals = await run('deal', file('deals.csv', 'deal_id,customer_id,symbol,side,lots,close_time,currency,profit\nCD-1,CSV-2,XAUUSD,sell,0.5,2026-03-03T09:00:00Z,USD,-12.5\n'));
    expect(deals).toMatchObject({ status: 'completed', rows_stored: 1 });
    const activity = (await t.call('GET', '/api/v1/forex/trading-activity', { token })).body.data;
    expect(activity.map((a: Record<string, string>) => `${a.date}:${a.customer_id}:${a.instrument}:${a.lots_traded}`)).toEqual(['2026-03-02:CSV-1:EURUSD:1.25', '2026-03-03:CSV-2:XAUUSD:0.5']);
  });

  it('reports malformed CSV and refuses an unknown header without storing anything', async () => {
    const broken = await run('customer', file('broken.csv', 'customer_id,signup_date,affiliate_id\nB-1,2026-03-01T10:00:00Z,IB-1\n"B-2,2026-03-01T10:00:00Z,IB-1\nB-3"x,2026-03-01,IB\n'));
    expect(broken.status).toBe('completed');
    expect(readFileSync(broken.report_path as string, 'utf8')).toMatch(/\(row\),unreadable CSV/);
    expect(await customerIds()).toContain('B-1');
    const unknown = await run('customer', file('unknown.csv', 'customer_id,signup,affiliate_id\nU-1,2026-03-01T10:00:00Z,IB-1\n'));
    expect(unknown).toMatchObject({ status: 'failed', rows_stored: 0, error: expect.stringMatching(/columns a customer does not have: signup/) });
    expect(await customerIds()).not.toContain('U-1');
  });
});
