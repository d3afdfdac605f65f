import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let admin: string;
let master: string;
let sub: string;
let outsider: string;
const P = 'from=2026-03-01&to=2026-04-30';

beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token(['admin']);
  const b = brokerSteps(t, admin);
  await b.plan({
    plan_id: 'earn-plan',
    name: 'Per lot with override',
    currency: 'USD',
    rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '7.5' }, { symbol: 'XAUUSD', rate: '3.333' }] }],
    hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1.5' }] },
  });
  master = await b.partner('EARN-M');
  sub = await b.partner('EARN-S', { parent_id: master });
  outsider = await b.partner('EARN-X');
  for (const p of [master, sub, outsider]) await b.assign(p, 'earn-plan');
  await b.customer('EARN-C1', 'EARN-M');
  await b.customer('EARN-C2', 'EARN-S');
  await b.activity([
    { customer_id: 'EARN-C1', instrument: 'EURUSD', lots_traded: '2.33', date: '2026-03-05' },
    { customer_id: 'EARN-C1', instrument: 'XAUUSD', lots_traded: '1.5', date: '2026-04-07' },
    { customer_id: 'EARN-C2', instrument: 'EURUSD', lots_traded: '4', date: '2026-04-20' },
    { customer_id: 'EARN-C1', instrument: 'EURUSD', lots_traded: '9', date: '2026-05-02' },
  ]);
  await b.run('2026-03-01', '2026-05-31');
});
afterAll(() => t.stop());

describe('a partner\'s earnings report', () => {
  it('sums the partner\'s own entries exactly, grouped by month (newest first), kind, level, client and instrument', async () => {
    const res = await t.call('GET', `/api/v1/reports/partners/${master}/earnings?${P}`, { token: admin });
    expect(res.status, res.text).toBe(200);
    const r = res.body;
    // 2.33 × 7.5 = 17.475; 1.5 × 3.333 = 4.9995; the sub-IB's client: 4 lots × 1.5 override = 6. May is outside the period.
    expect(r.totals).toEqual([{ currency: 'USD', amount: '28.4745', entries: 3, by_status: { approved: '28.4745' } }]);
    expect(r.groups.month).toEqual([
      { key: '2026-04', currency: 'USD', amount: '10.9995', entries: 2 },
      { key: '2026-03', currency: 'USD', amount: '17.475', entries: 1 },
    ]);
    expect(r.groups.level).toEqual([
      { key: '0', currency: 'USD', amount: '22.4745', entries: 2 },
      { key: '1', currency: 'USD', amount: '6', entries: 1 },
    ]);
    expect(r.groups.customer.map((g: { key: string; amount: string }) => [g.key, g.amount])).toEqual([
      ['EARN-C1', '22.4745'],
      ['EARN-C2', '6'],
    ]);
    expect(r.groups.instrument.map((g: { key: string; amount: string }) => [g.key, g.amount])).toEqual([
      ['EURUSD', '23.475'],
      ['XAUUSD', '4.9995'],
    ]);
    expect(r.groups.kind.map((g: { key: string }) => g.key).sort()).toEqual(['override', 'per_lot']);
  });

  it('filters by status: nothing is paid yet', async () => {
    const paid = (await t.call('GET', `/api/v1/reports/partners/${master}/earnings?${P}&status=paid`, { token: admin })).body;
    expect(paid).toMatchObject({ status: 'paid', totals: [], groups: { month: [] } });
  });

  it('lists the entries behind a group newest first, and exports them as CSV with exact amounts', async () => {
    const all = (await t.call('GET', `/api/v1/reports/partners/${master}/earnings/entries?${P}`, { token: admin })).body;
    expect(all.meta).toEqual({ total: 3, page: 1, per_page: 50 });
    expect(all.data.map((e: { fact_date: string }) => e.fact_date)).toEqual(['2026-04-20', '2026-04-07', '2026-03-05']);
    const march = (await t.call('GET', `/api/v1/reports/partners/${master}/earnings/entries?${P}&month=2026-03`, { token: admin })).body;
    expect(march.data).toMatchObject([{ amount: '17.475', customer_id: 'EARN-C1', instrument: 'EURUSD', kind: 'per_lot', level: 0 }]);
    const override = (await t.call('GET', `/api/v1/reports/partners/${master}/earnings/entries?${P}&level=1`, { token: admin })).body;
    expect(override.data).toMatchObject([{ amount: '6', customer_id: 'EARN-C2', kind: 'override' }]);
    const explained = await t.call('GET', `/api/v1/partners/${master}/ledger/${march.data[0].entry_id}/explain`, { token: admin });
    expect(explained.status).toBe(200);

    const csv = await t.call('GET', `/api/v1/reports/partners/${master}/earnings/entries?${P}&format=csv`, { token: admin });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.fact_date, r.amount])).toEqual([
      ['2026-04-20', '6'],
      ['2026-04-07', '4.9995'],
      ['2026-03-05', '17.475'],
    ]);
  });

  it('reaches a partner and its subtree only', async () => {
    const masterToken = await t.token(['reports:read'], master);
    const subToken = await t.token(['reports:read'], sub);
    expect((await t.call('GET', `/api/v1/reports/partners/${master}/earnings?${P}`, { token: masterToken })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/reports/partners/${sub}/earnings?${P}`, { token: masterToken })).status).toBe(200);
    for (const path of [`/api/v1/reports/partners/${master}/earnings?${P}`, `/api/v1/reports/partners/${master}/earnings/entries?${P}`, `/api/v1/reports/partners/${outsider}/earnings?${P}`]) {
      const res = await t.call('GET', path, { token: subToken });
      expect([403, 404], path).toContain(res.status);
    }
    expect((await t.call('GET', `/api/v1/reports/partners/${master}/earnings?from=2026-04-30&to=2026-03-01`, { token: admin })).status).toBe(400);
  });
});
