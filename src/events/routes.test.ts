import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer();
  token = await t.token(['admin']);
  const customers = Array.from({ length: 5 }, (_, i) => ({ customer_id: `ev-${i}`, signup_date: '2026-03-01T00:00:00Z', affiliate_id: '' }));
  expect((await t.call('POST', '/api/v1/forex/customers', { token, body: customers })).status).toBe(200);
});
afterAll(() => t.stop());

const get = async (path: string) => {
  const res = await t.call('GET', path, { token });
  expect(res.status, res.text).toBe(200);
  return res.body;
};

describe('GET /api/v1/events and GET /api/v1/audit-log page like every list', () => {
  it('events: per_page and cursor (meta.next_cursor) read the whole log once, in order; after_id still works', async () => {
    const all = (await get('/api/v1/events?type=customer.registered&per_page=1000')).data.map((e: { id: number }) => e.id);
    expect(all.length).toBe(5);
    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/api/v1/events?type=customer.registered&per_page=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.meta.per_page).toBe(2);
      paged.push(...page.data.map((e: { id: number }) => e.id));
      cursor = page.meta.next_cursor;
    } while (cursor);
    expect(paged).toEqual(all);
    expect((await get(`/api/v1/events?type=customer.registered&after_id=${all[2]}&limit=1`)).data.map((e: { id: number }) => e.id)).toEqual([all[3]]);
    const both = await t.call('GET', `/api/v1/events?cursor=x&after_id=1`, { token });
    expect(both.status).toBe(400);
  });

  it('audit log: per_page answers meta.next_cursor, newest first', async () => {
    for (let i = 0; i < 3; i++) await t.call('POST', '/api/v1/partners', { token, body: { name: `Audited ${i}` } });
    const first = await get('/api/v1/audit-log?action=partners.*&per_page=2');
    expect(first.data).toHaveLength(2);
    expect(first.meta).toEqual({ per_page: 2, next_cursor: expect.any(String) });
    expect(first.next_cursor).toBe(first.meta.next_cursor);
    const second = await get(`/api/v1/audit-log?action=partners.*&per_page=2&cursor=${first.meta.next_cursor}`);
    expect(second.data.length).toBeGreaterThan(0);
    expect(Number(second.data[0].id)).toBeLessThan(Number(first.data[1].id));
  });
});
