import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { partnerApi } from '../../../test/helpers/partners.ts';
import { customersForLogins } from './trading-accounts.ts';

let t: TestServer;
let admin: string;
let api: ReturnType<typeof partnerApi>;

beforeAll(async () => {
  t = await startTestServer();
  admin = await t.token();
  api = partnerApi(t, admin);
  await api.customer('ACC-1');
  await api.customer('ACC-2');
});
afterAll(() => t.stop());

const map = (records: unknown) => t.call('POST', '/api/v1/trading-accounts', { token: admin, body: records });

describe('trading accounts', () => {
  it('maps many logins to one customer, idempotently', async () => {
    const records = [
      { platform: 'MT4', server: 'Live-3', login: '100200', customer_id: 'ACC-1' },
      { platform: 'mt5', server: 'Live-1', login: '100200', customer_id: 'ACC-1' },
      { platform: 'ctrader', login: '9017800', customer_id: 'ACC-1' },
    ];
    const first = await map(records);
    expect(first.status).toBe(200);
    expect(first.body.meta).toEqual({ received: 3, created: 3, updated: 0, unchanged: 0 });
    expect(first.body.data[0].id).toBe('mt4|Live-3|100200');
    expect((await map(records)).body.meta).toMatchObject({ created: 0, unchanged: 3 });
    const mine = await api.ok('GET', '/api/v1/trading-accounts?customer_id=ACC-1');
    expect(mine.data.map((a: { platform: string; server: string; login: string }) => `${a.platform}/${a.server}/${a.login}`)).toEqual([
      'mt4/Live-3/100200',
      'mt5/Live-1/100200',
      'ctrader//9017800',
    ]);
    const whose = await api.ok('GET', '/api/v1/trading-accounts?platform=ctrader&server=&login=9017800');
    expect(whose.data).toMatchObject([{ customer_id: 'ACC-1' }]);
    expect((await api.events('trading_account.linked')).filter((e) => e.subject_id === 'ACC-1')).toHaveLength(3);
    const found = await customersForLogins(t.server.ctx.db, [
      { platform: 'mt4', server: 'Live-3', login: '100200' },
      { platform: 'mt4', server: 'Live-4', login: '100200' },
    ]);
    expect([...found]).toEqual([['mt4|Live-3|100200', 'ACC-1']]);
  });

  it('keeps a login with one customer until it is unlinked', async () => {
    await map([{ platform: 'mt5', server: 'Live-9', login: '555', customer_id: 'ACC-1' }]);
    const steal = await map([{ platform: 'mt5', server: 'Live-9', login: '555', customer_id: 'ACC-2' }]);
    expect(steal.status).toBe(422);
    expect(steal.body.error.details).toEqual([{ index: 0, field: 'login', reason: expect.stringContaining('belongs to customer "ACC-1"') }]);
    const unlinked = await t.call('DELETE', '/api/v1/trading-accounts?platform=mt5&server=Live-9&login=555', { token: admin });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body).toMatchObject({ customer_id: 'ACC-1', login: '555' });
    expect((await map([{ platform: 'mt5', server: 'Live-9', login: '555', customer_id: 'ACC-2' }])).status).toBe(200);
    expect((await t.call('DELETE', '/api/v1/trading-accounts?platform=mt5&server=Live-9&login=999', { token: admin })).status).toBe(404);
  });

  it('refuses the whole batch when any record is wrong, naming each', async () => {
    const res = await map([
      { platform: 'mt5', login: '1', customer_id: 'NOBODY' },
      { platform: 'meta trader', login: '2', customer_id: 'ACC-1' },
      { platform: 'mt5', login: 'x'.repeat(65), customer_id: 'ACC-1' },
      { platform: 'mt5', login: '4' },
      { platform: 'mt5', login: '5', customer_id: 'ACC-1' },
      { platform: 'MT5', login: '5', customer_id: 'ACC-1' },
    ]);
    expect(res.status).toBe(422);
    const fields = res.body.error.details.map((d: { index: number; field: string }) => `${d.index}:${d.field}`);
    expect(fields).toEqual(expect.arrayContaining(['3:customer_id', '5:platform+server+login']));
    expect((await api.ok('GET', '/api/v1/trading-accounts?login=5')).meta.total).toBe(0);
    const second = await map([{ platform: 'meta trader', login: '2', customer_id: 'ACC-1' }, { platform: 'mt5', login: 'y'.repeat(65), customer_id: 'ACC-1' }]);
    expect(second.body.error.details.map((d: { field: string }) => d.field)).toEqual(['platform', 'login']);
    const missing = await map([{ platform: 'mt5', login: '1', customer_id: 'NOBODY' }]);
    expect(missing.body.error.details[0].reason).toMatch(/no customer "NOBODY"/);
    expect((await map({ nope: true })).status).toBe(422);
  });

  it('refuses a lone UTF-16 surrogate in a field with 400 and stores nothing', async () => {
    const raw = '[{"platform":"mt5","server":"L\\ud800","login":"5550001","customer_id":"ACC-2"}]';
    const res = await t.call('POST', '/api/v1/trading-accounts', { token: admin, raw, headers: { 'content-type': 'application/json' } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_json', details: [{ field: 'server', reason: expect.stringContaining('surrogate') }] });
    const stored = await api.ok('GET', '/api/v1/trading-accounts?login=5550001');
    expect(stored.data).toEqual([]);
  });
});
