import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../test/helpers/server.ts';
import { partnerApi } from '../../test/helpers/partners.ts';
import { startDemoServer } from './test-support.ts';

let t: TestServer;
let api: ReturnType<typeof partnerApi>;

beforeAll(async () => {
  t = await startDemoServer('2026-06-15T10:00:00Z');
  api = partnerApi(t, await t.token());
});
afterAll(() => t.stop());

describe('demo data', () => {
  it('shows a three-level IB network with links, clicks, attributed customers and one reassignment', async () => {
    const [master] = (await api.ok('GET', '/api/v1/partners?affiliate_id=IB-1000')).data;
    const subtree = await api.ok('GET', `/api/v1/partners/${master.partner_id}/subtree`);
    expect(subtree.data.map((n: { affiliate_id: string; depth: number }) => [n.affiliate_id, n.depth])).toEqual([
      ['IB-1001', 1],
      ['IB-1002', 2],
    ]);
    const links = await api.ok('GET', `/api/v1/partners/${master.partner_id}/links`);
    expect(links.data.map((l: { code: string }) => l.code)).toEqual(['atlas', 'atlas-recruit']);
    expect((await api.ok('GET', `/api/v1/links/${links.data[0].link_id}/stats`)).clicks).toBeGreaterThan(0);

    const clicked = await api.attribution('C-2100');
    expect(clicked.periods).toMatchObject([{ partner_id: master.partner_id, source: 'click', campaign_id: 'atlas-web' }]);
    const moved = await api.attribution('C-2000');
    expect(moved.periods.map((p: { source: string }) => p.source)).toEqual(['affiliate_id', 'reassignment']);
    const ftd = (await api.events('deposit.first')).find((e) => e.subject_id === 'C-2001');
    expect(ftd?.data.partner_id).toBeTruthy();
    // Clicks and registrations spread over the history, the latest ones in its last weeks.
    const stats = await api.ok('GET', `/api/v1/links/${links.data[0].link_id}/stats`);
    expect(stats.first_click_at.slice(0, 10) >= '2026-03-01').toBe(true);
    expect(stats.last_click_at.slice(0, 10) >= '2026-05-16' && stats.last_click_at.slice(0, 10) <= '2026-06-14').toBe(true);
    const customers = (await api.ok('GET', '/api/v1/forex/customers?per_page=100')).data as { signup_date: string }[];
    const signups = customers.map((c) => c.signup_date.slice(0, 10)).sort();
    expect(signups[0] >= '2026-03-01').toBe(true);
    expect(signups[signups.length - 1] <= '2026-06-14').toBe(true);
    expect(signups.filter((d) => d >= '2026-05-16').length).toBeGreaterThan(0);
  });
});
