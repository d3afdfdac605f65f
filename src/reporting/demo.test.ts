import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../test/helpers/server.ts';
import { startDemoServer } from '../demo/test-support.ts';

let t: TestServer;
beforeAll(async () => {
  // The demo dated back from 2026-06-15: history from 2026-03-01 up to 2026-06-14.
  t = await startDemoServer('2026-06-15T10:00:00Z');
});
afterAll(() => t.stop());

describe('demo data', () => {
  it('gives non-empty rollups and reports once the worker has caught up', async () => {
    await t.server.workers?.idle();
    const token = await t.token(['admin']);
    const [master] = await t.server.ctx.db.query<{ partner_id: string }>(`SELECT partner_id FROM partners WHERE affiliate_id = 'IB-1000'`);
    const summary = await t.call('GET', `/api/v1/reports/partners/${master.partner_id}/summary?from=2026-05-01&to=2026-05-31`, { token });
    expect(summary.status).toBe(200);
    expect(summary.body.subtree.registrations).toBeGreaterThan(0);
    expect(Number(summary.body.subtree.lots)).toBeGreaterThan(0);
    expect(Number(summary.body.subtree.deposits)).toBeGreaterThan(0);
    expect(summary.body.subtree.clicks).toBeGreaterThan(0);
    const overview = await t.call('GET', '/api/v1/reports/overview?from=2026-05-01&to=2026-05-31', { token });
    expect(overview.body.channels.length).toBeGreaterThan(0);
  });
});
