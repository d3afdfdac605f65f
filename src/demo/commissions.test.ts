import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../test/helpers/server.ts';
import { startDemoServer } from './test-support.ts';

// The demo is dated back from this instant: history from 2026-03-01 up to 2026-06-14.
const NOW = '2026-06-15T10:00:00Z';

let t: TestServer;
beforeAll(async () => {
  t = await startDemoServer(NOW);
});
afterAll(() => t.stop());

describe('demo data', () => {
  it('shows commissions for the whole IB tree: own per-lot earnings, overrides above, CPA, all explainable', async () => {
    const token = await t.token(['admin']);
    const entries: { kind: string; level: number; entry_id: string; fact_date: string }[] = [];
    for (let page = 1; ; page++) {
      const res = await t.call('GET', `/api/v1/ledger?per_page=500&page=${page}`, { token });
      expect(res.status, res.text).toBe(200);
      entries.push(...res.body.data);
      if (res.body.data.length < 500) break;
    }
    const kinds = new Set(entries.map((e) => e.kind));
    expect(kinds).toContain('per_lot');
    expect(kinds).toContain('override');
    expect(kinds).toContain('cpa');
    expect(entries.some((e) => e.level === 2)).toBe(true);
    const explained = await t.call('GET', `/api/v1/ledger/${entries[0].entry_id}/explain`, { token });
    expect(explained.status).toBe(200);
    const plans = await t.call('GET', '/api/v1/plans', { token });
    expect(plans.body.data.map((p: { plan_id: string }) => p.plan_id)).toContain('std-ib');
    // Commission in every month of the history, none after yesterday.
    const months = new Set(entries.map((e) => e.fact_date.slice(0, 7)));
    expect([...months].sort()).toEqual(['2026-03', '2026-04', '2026-05', '2026-06']);
    expect(entries.every((e) => e.fact_date >= '2026-03-01' && e.fact_date <= '2026-06-14')).toBe(true);
  });

  it('has activity in the last 30 days before the day it was loaded, for the broker and for the master IB', async () => {
    const token = await t.token(['admin']);
    const period = { from: '2026-05-16', to: '2026-06-14' };
    await expect
      .poll(async () => (await t.call('GET', `/api/v1/reports/overview?from=${period.from}&to=${period.to}`, { token })).body, { timeout: 30_000 })
      .toMatchObject({ funnel: { clicks: expect.any(Number), registrations: expect.any(Number) } });
    const overview = (await t.call('GET', `/api/v1/reports/overview?from=${period.from}&to=${period.to}`, { token })).body;
    expect(overview.funnel.clicks).toBeGreaterThan(0);
    expect(overview.funnel.registrations).toBeGreaterThan(0);
    for (const metric of ['net_deposits', 'lots', 'commission_approved']) expect(Number(overview.totals[metric]), metric).toBeGreaterThan(0);

    const [master] = (await t.call('GET', '/api/v1/partners?affiliate_id=IB-1000', { token })).body.data;
    const summary = (await t.call('GET', `/api/v1/reports/partners/${master.partner_id}/summary?from=${period.from}&to=${period.to}`, { token })).body;
    for (const metric of ['registrations', 'net_deposits', 'lots', 'commission_approved']) expect(Number(summary.subtree[metric]), metric).toBeGreaterThan(0);
    // Trading reaches up to yesterday.
    const series = (await t.call('GET', `/api/v1/reports/partners/${master.partner_id}/timeseries?from=2026-06-08&to=2026-06-14&metric=lots&scope=subtree`, { token })).body.points as { bucket: string; value: string }[];
    expect(Number(series.find((p) => p.bucket === '2026-06-14')?.value ?? 0)).toBeGreaterThan(0);
  });

  it('applies the ASIC policy to the Australian client only: rebate removed, gold pay capped, both explained', async () => {
    const token = await t.token(['admin']);
    const au = (await t.call('GET', '/api/v1/ledger?per_page=500&customer_id=C-2004', { token })).body.data as { rule: string; amount: string; entry_id: string }[];
    const rebates = au.filter((e) => e.rule === 'client_rebate');
    expect(rebates.length).toBeGreaterThan(0);
    expect(rebates.every((e) => e.amount === '0')).toBe(true);
    const cap = au.find((e) => e.rule === 'jurisdiction_per_lot_cap');
    expect(cap).toBeDefined();
    const explained = await t.call('GET', `/api/v1/ledger/${cap?.entry_id}/explain`, { token });
    expect(explained.body.explanation.notes[0]).toContain('jurisdiction policy asic-au v1 (ASIC): at most 5 USD per lot on XAUUSD');
    const gb = (await t.call('GET', '/api/v1/ledger?per_page=500&customer_id=C-2000', { token })).body.data as { rule: string; amount: string }[];
    expect(gb.some((e) => e.rule === 'client_rebate' && Number(e.amount) < 0)).toBe(true);
  });

  it('has marketing materials and promotions in every review state', async () => {
    const token = await t.token(['admin']);
    const materials = (await t.call('GET', '/api/v1/marketing/materials', { token })).body.data as { kind: string }[];
    expect(new Set(materials.map((m) => m.kind))).toEqual(new Set(['banner', 'landing_page', 'text']));
    const submissions = (await t.call('GET', '/api/v1/marketing/submissions', { token })).body.data as { status: string }[];
    expect(submissions.map((s) => s.status).sort()).toEqual(['approved', 'pending', 'rejected']);
  });
});
