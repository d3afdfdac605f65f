import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';

let t: TestServer;
let token: string;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_IMPORT_MAX_BYTES: '4096' });
  token = await t.token(['admin']);
});
afterAll(() => t.stop());

const upload = (fields: Record<string, string>, file?: { name: string; text: string }, fileFirst = false) => {
  const form = new FormData();
  if (fileFirst && file) form.append('file', new Blob([file.text], { type: 'text/csv' }), file.name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (!fileFirst && file) form.append('file', new Blob([file.text], { type: 'text/csv' }), file.name);
  return fetch(`${t.url}/api/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
};

async function finished(id: string) {
  for (let i = 0; i < 100; i++) {
    const res = await t.call('GET', `/api/v1/imports/${id}`, { token });
    if (['completed', 'failed'].includes(res.body.data.status)) return res.body.data;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('import did not finish');
}

describe('POST /api/v1/imports', () => {
  it('imports an uploaded CSV in the background, with progress and a report', async () => {
    const text = 'customer_id,signup_date,affiliate_id\nUP-1,2026-03-01T10:00:00Z,IB-1\nUP-2,yesterday,IB-1\nUP-3,2026-03-01T11:00:00Z,\n';
    const res = await upload({ entity: 'customers' }, { name: 'crm-export.csv', text });
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ entity: 'customer', file_name: 'crm-export.csv', file_bytes: Buffer.byteLength(text) });
    const done = await finished(res.body.data.id);
    expect(done).toMatchObject({ status: 'completed', rows_done: 3, rows_stored: 2, rows_rejected: 1, position_bytes: Buffer.byteLength(text) });
    const report = await fetch(`${t.url}/api/v1/imports/${done.id}/report`, { headers: { authorization: `Bearer ${token}` } });
    expect(report.headers.get('content-type')).toMatch(/text\/csv/);
    expect(await report.text()).toBe('row,field,reason\n2,signup_date,must be an ISO 8601 date-time such as 2026-03-01T14:05:00Z\n');
    expect((await t.call('GET', '/api/v1/imports', { token })).body.data[0].id).toBe(done.id);
  });

  it('refuses what it cannot import, storing nothing', async () => {
    expect((await t.call('POST', '/api/v1/imports', { token, body: { entity: 'customers' } })).status).toBe(415);
    expect((await upload({ entity: 'partners' }, { name: 'x.csv', text: 'a\n1\n' })).status).toBe(422);
    expect((await upload({ entity: 'customers' })).body.error.details).toEqual([{ field: 'file', reason: expect.stringMatching(/required/) }]);
    expect((await upload({ entity: 'customers' }, { name: 'x.csv', text: 'a\n1\n' }, true)).status).toBe(422);
    const big = await upload({ entity: 'customers' }, { name: 'big.csv', text: `customer_id\n${'x'.repeat(5000)}\n` });
    expect(big.status).toBe(413);
    expect((await t.call('POST', '/api/v1/imports', { token: undefined, body: {} })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/imports/imp_nope', { token })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/imports', { token })).body.data.filter((i: { entity: string }) => i.entity === 'customer')).toHaveLength(1);
  });

  it('imports trading accounts (logins mapped to customers), as the console offers', async () => {
    const text = 'platform,server,login,customer_id\nmatchtrader,sys-1,500001,UP-1\nmatchtrader,sys-1,500002,NOBODY\n';
    const res = await upload({ entity: 'trading-accounts' }, { name: 'logins.csv', text });
    expect(res.status).toBe(202);
    expect(res.body.data.entity).toBe('trading_account');
    expect(await finished(res.body.data.id)).toMatchObject({ status: 'completed', rows_stored: 1, rows_rejected: 1 });
    const logins = (await t.call('GET', '/api/v1/trading-accounts?customer_id=UP-1', { token })).body.data;
    expect(logins).toEqual([expect.objectContaining({ platform: 'matchtrader', server: 'sys-1', login: '500001', customer_id: 'UP-1' })]);
  });
});
