import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { visit } from '../../test/helpers/partners.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { csvCell } from '../shared/csv.ts';
import { METRICS } from './kpis.ts';

let t: TestServer;
let b: ReturnType<typeof brokerSteps>;
let admin: string;
const ids: Record<string, string> = {};
const P = '?from=2026-01-01&to=2026-01-31';

async function settle() {
  await t.server.workers?.idle();
}

beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token(['admin']);
  b = brokerSteps(t, admin);
  ids.master = await b.partner('RP-M');
  ids.sub = await b.partner('RP-S', { parent_id: ids.master });
  ids.subsub = await b.partner('RP-SS', { parent_id: ids.sub });
  ids.other = await b.partner('RP-O');
  let n = 0;
  for (const [aff, count] of [['RP-M', 2], ['RP-S', 3], ['RP-SS', 2], ['RP-O', 1]] as const) {
    for (let i = 0; i < count; i++) {
      const id = `rp-${aff}-${i}`;
      await b.customer(id, aff, { signup_date: `2026-01-0${2 + (n++ % 5)}T10:00:00Z`, first_name: 'Ann', last_name: `Lee${i}`, email: `ann${n}@example.com` });
      if (i < 2) await b.transactions([{ transaction_id: `rp-t-${id}`, customer_id: id, transaction_type: 'deposit', amount: '100.50', transaction_date: '2026-01-10T10:00:00Z' }]);
      if (i === 0) await b.transactions([{ transaction_id: `rp-w-${id}`, customer_id: id, transaction_type: 'withdrawal', amount: '20', transaction_date: '2026-01-12T10:00:00Z' }]);
      await b.activity([{ customer_id: id, instrument: i % 2 ? 'EURUSD' : 'XAUUSD', lots_traded: `1.${i + 1}`, volume_usd: '110000', date: '2026-01-15' }]);
    }
  }
  await settle();
});
afterAll(() => t.stop());

describe('partner reports', () => {
  it('sums the facts the partner owned: summary own and subtree', async () => {
    const s = await b.ok('GET', `/api/v1/reports/partners/${ids.sub}/summary${P}`);
    expect(s.own).toMatchObject({ registrations: 3, ftd_count: 2, deposits: '201.00', withdrawals: '20.00', net_deposits: '181.00', lots: '3.6' });
    expect(s.subtree).toMatchObject({ registrations: 5, ftd_count: 4, deposits: '402.00', lots: '5.9' });
    expect(s.previous).toMatchObject({ from: '2025-12-01', to: '2025-12-31' });
    expect(s.change.deposits).toMatchObject({ previous: '0.00', percent: null });
  });

  it('gives a master IB subtree totals equal to the sum of its sub-IBs\' own totals', async () => {
    const tree = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}`);
    expect(tree.data.map((r: any) => r.partner_id)).toEqual([ids.master, ids.sub, ids.subsub]);
    const summary = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/summary${P}`);
    for (const m of METRICS) {
      const sum = tree.data.reduce((acc: number, r: any) => acc + Number(r.own[m]), 0);
      expect(Number(summary.subtree[m]), m).toBeCloseTo(sum, 6);
      expect(tree.data[0].subtree[m], m).toEqual(summary.subtree[m]);
    }
  });

  it('pages the subtree, limits it by depth and sorts it by a KPI, with the CSV holding every row', async () => {
    const all = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}`);
    expect(all.meta).toEqual({ total: 3, page: 1, per_page: 100 });
    expect(all.data.map((r: any) => [r.depth, r.children])).toEqual([[0, 1], [1, 1], [2, 0]]);
    const pages = [];
    for (const page of [1, 2, 3]) {
      const p = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}&per_page=1&page=${page}`);
      expect(p.meta).toEqual({ total: 3, page, per_page: 1 });
      pages.push(...p.data);
    }
    expect(pages).toEqual(all.data);
    const past = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}&per_page=1&page=4`);
    expect(past.data).toEqual([]);
    expect(past.meta.total).toBe(3);

    const level = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}&max_depth=1`);
    expect(level.data.map((r: any) => r.partner_id)).toEqual([ids.master, ids.sub]);
    expect(level.data[1].subtree).toEqual(all.data[1].subtree);
    expect((await b.ok('GET', `/api/v1/reports/partners/${ids.sub}/subtree${P}&max_depth=0`)).data.map((r: any) => r.partner_id)).toEqual([ids.sub]);

    // Own lots: master 2.3 (1.1 + 1.2), sub 3.6, subsub 2.3 — ties keep tree order.
    const byLots = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}&sort=own.lots`);
    expect(byLots.sort).toBe('own.lots');
    expect(byLots.data.map((r: any) => [r.partner_id, r.own.lots])).toEqual([[ids.sub, '3.6'], [ids.master, '2.3'], [ids.subsub, '2.3']]);
    const top = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}&sort=subtree.lots&per_page=1`);
    expect(top.data.map((r: any) => r.partner_id)).toEqual([ids.master]);
    const csv = parse((await t.call('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}&per_page=1&sort=own.lots&format=csv`, { token: admin })).text, { columns: true }) as Record<string, string>[];
    expect(csv.map((r) => r.partner_id)).toEqual([ids.sub, ids.master, ids.subsub]);

    for (const bad of ['sort=lots', 'sort=own.nothing', 'max_depth=-1', 'per_page=0', 'per_page=1001', 'page=0', 'max_depth=x'])
      expect((await t.call('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}&${bad}`, { token: admin })).status, bad).toBe(400);
  });

  it('writes names that look like spreadsheet formulas as text in the CSV, and negative amounts as numbers', async () => {
    const hostile = await b.partner('RP-FORMULA', { name: '=HYPERLINK("http://evil.example","Click")' });
    await b.customer('rp-formula-c', 'RP-FORMULA', { signup_date: '2026-01-05T10:00:00Z' });
    await b.transactions([{ transaction_id: 'rp-formula-w', customer_id: 'rp-formula-c', transaction_type: 'withdrawal', amount: '30', transaction_date: '2026-01-12T10:00:00Z' }]);
    await settle();
    const rows = parse((await t.call('GET', `/api/v1/reports/partners/${hostile}/subtree${P}&format=csv`, { token: admin })).text, { columns: true }) as Record<string, string>[];
    expect(rows[0].name).toBe(`'=HYPERLINK("http://evil.example","Click")`);
    expect(rows[0].own_net_deposits).toBe('-30.00');
  });

  it('buckets a timeseries by day, week and month', async () => {
    const day = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/timeseries${P}&metric=deposits&interval=day`);
    expect(day.points).toHaveLength(31);
    expect(day.points.find((p: any) => p.bucket === '2026-01-10').value).toBe('603.00');
    const month = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/timeseries${P}&metric=registrations&interval=month`);
    expect(month.points).toEqual([{ bucket: '2026-01-01', value: 7 }]);
    const week = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/timeseries${P}&metric=lots&interval=week&scope=own`);
    expect(week.points.find((p: any) => p.bucket === '2026-01-12').value).toBe('2.3');
  });

  it('lists clients with PII masked for an upline, not for their own partner', async () => {
    const masterToken = await t.token(['reports:read'], ids.master);
    const res = await t.call('GET', `/api/v1/reports/partners/${ids.master}/customers${P}`, { token: masterToken });
    expect(res.status).toBe(200);
    expect(res.body.meta.total).toBe(7);
    const own = res.body.data.find((c: any) => c.partner_id === ids.master);
    const sub = res.body.data.find((c: any) => c.partner_id === ids.sub);
    expect(own).toMatchObject({ pii_masked: false, name: expect.stringMatching(/^Ann Lee/) });
    expect(sub).toMatchObject({ pii_masked: true, name: 'A.', email: expect.stringMatching(/^a\*\*\*@example\.com$/) });
    expect(own.status).toMatch(/funded|active|registered/);
  });

  it('answers 404 for another partner or an upline, 403 for the overview', async () => {
    const subToken = await t.token(['reports:read'], ids.sub);
    for (const id of [ids.master, ids.other, 'no-such-partner'])
      for (const r of ['summary', 'timeseries', 'customers', 'subtree', 'links', 'stream'])
        expect((await t.call('GET', `/api/v1/reports/partners/${id}/${r}`, { token: subToken })).status, `${r} ${id}`).toBe(404);
    expect((await t.call('GET', `/api/v1/reports/partners/${ids.subsub}/summary`, { token: subToken })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/reports/overview', { token: subToken })).status).toBe(403);
    expect((await t.call('GET', `/api/v1/reports/partners/${ids.sub}/summary`, { token: await t.token(['partners:read'], ids.sub) })).status).toBe(403);
  });

  it('counts clicks, registrations and first deposits per link', async () => {
    const link = await b.ok('POST', `/api/v1/partners/${ids.other}/links`, { destination_url: 'https://broker.example/register', code: 'rp-link', campaign_id: 'spring' });
    const clicks = [await visit(t, 'rp-link'), await visit(t, 'rp-link'), await visit(t, 'rp-link')];
    await b.customer('rp-click-1', '', { click_id: clicks[0].clickId, signup_date: new Date().toISOString() });
    const today = new Date().toISOString().slice(0, 10);
    let row: any;
    for (let i = 0; i < 50 && !(row?.clicks === 3); i++) {
      await settle();
      const funnel = await b.ok('GET', `/api/v1/reports/partners/${ids.other}/links?from=${today}&to=${today}`);
      row = funnel.data.find((r: any) => r.link_id === link.link_id);
      if (row?.clicks !== 3) await new Promise((r) => setTimeout(r, 200));
    }
    expect(row).toMatchObject({ code: 'rp-link', campaign_id: 'spring', clicks: 3, registrations: 1, ftd_count: 0, registration_rate: '33.33' });
  });
});

describe('CSV exports', () => {
  // Text that a spreadsheet would read as a formula comes back with a leading quote (csvCell).
  const asJson = (v: unknown) => (v === null ? '' : typeof v === 'string' ? csvCell(v) : String(v));
  it('parse back to the JSON rows of every report', async () => {
    const paths = [
      [`/api/v1/reports/partners/${ids.master}/customers${P}`, (j: any) => j.data],
      [`/api/v1/reports/partners/${ids.master}/links${P}`, (j: any) => j.data],
      [`/api/v1/reports/partners/${ids.master}/timeseries${P}`, (j: any) => j.points],
      [`/api/v1/reports/overview${P}`, (j: any) => j.channels],
      [`/api/v1/reports/overview${P}&section=top_partners`, (j: any) => j.top_partners],
    ] as const;
    for (const [path, rowsOf] of paths) {
      const json = await b.ok('GET', path);
      const csv = await t.call('GET', `${path}&format=csv`, { token: admin });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const parsed = parse(csv.text, { columns: true }) as Record<string, string>[];
      const expected = rowsOf(json).map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, asJson(v)])));
      expect(parsed, path).toEqual(expected);
      expect(parsed.length, path).toBeGreaterThan(0);
    }
    const tree = await b.ok('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}`);
    const treeCsv = parse((await t.call('GET', `/api/v1/reports/partners/${ids.master}/subtree${P}&format=csv`, { token: admin })).text, { columns: true }) as Record<string, string>[];
    expect(treeCsv.map((r) => [r.partner_id, r.own_deposits, r.subtree_lots])).toEqual(tree.data.map((r: any) => [r.partner_id, r.own.deposits, r.subtree.lots]));
    const summary = await b.ok('GET', `/api/v1/reports/partners/${ids.sub}/summary${P}`);
    const sumCsv = parse((await t.call('GET', `/api/v1/reports/partners/${ids.sub}/summary${P}&format=csv`, { token: admin })).text, { columns: true }) as Record<string, string>[];
    expect(sumCsv.map((r) => [r.metric, r.own, r.subtree])).toEqual(METRICS.map((m) => [m, String(summary.own[m]), String(summary.subtree[m])]));
  });
});

describe('OpenAPI', () => {
  it('documents every report route with a summary and the reports:read scope', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body;
    const ops = Object.entries(doc.paths as Record<string, Record<string, { summary?: string; 'x-required-scope'?: string }>>)
      .filter(([path]) => path.startsWith('/api/v1/reports/'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(ops).toHaveLength(9);
    for (const { path, method, op } of ops) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op['x-required-scope'], `${method} ${path}`).toBe('reports:read');
    }
  });
});
