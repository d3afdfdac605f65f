import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.token(['admin']);
});
afterAll(() => t.stop());

const batch = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ customer_id: `p-${String(from + i).padStart(4, '0')}`, signup_date: '2026-03-01T00:00:00Z', affiliate_id: 'IB-P' }));

describe('cursor pagination', () => {
  it('reads every row exactly once while new rows are being inserted between pages', async () => {
    await t.call('POST', '/api/v1/forex/customers', { token, body: batch(0, 120) });
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 120;
    let pages = 0;
    do {
      const query: string = `?affiliate_id=IB-P&per_page=25${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.call('GET', `/api/v1/forex/customers${query}`, { token });
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((c: { customer_id: string }) => c.customer_id));
      cursor = res.body.meta.next_cursor;
      if (pages++ < 3) {
        await t.call('POST', '/api/v1/forex/customers', { token, body: batch(inserted, 10) });
        inserted += 10;
      }
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(inserted);
    expect(seen).toEqual([...seen].sort());
  });

  it('refuses a cursor it did not issue', async () => {
    const res = await t.call('GET', '/api/v1/forex/customers?cursor=garbage', { token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_cursor');
  });

  it('reports total, page and per_page in the envelope', async () => {
    const res = await t.call('GET', '/api/v1/forex/customers?affiliate_id=IB-P&page=2&per_page=50', { token });
    expect(res.body.meta).toMatchObject({ total: 150, page: 2, per_page: 50 });
    expect(res.body.meta.next_cursor).toEqual(expect.any(String));
  });
});
