import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_DEMO: '1' });
});
afterAll(() => t.stop());

describe('demo data', () => {
  it('shows commissions for the whole IB tree: own per-lot earnings, overrides above, CPA, all explainable', async () => {
    const token = await t.token(['admin']);
    const entries = (await t.call('GET', '/api/v1/ledger?per_page=500', { token })).body.data as { kind: string; level: number; entry_id: string }[];
    const kinds = new Set(entries.map((e) => e.kind));
    expect(kinds).toContain('per_lot');
    expect(kinds).toContain('override');
    expect(kinds).toContain('cpa');
    expect(entries.some((e) => e.level === 2)).toBe(true);
    const explained = await t.call('GET', `/api/v1/ledger/${entries[0].entry_id}/explain`, { token });
    expect(explained.status).toBe(200);
    const plans = await t.call('GET', '/api/v1/plans', { token });
    expect(plans.body.data.map((p: { plan_id: string }) => p.plan_id)).toContain('std-ib');
  });
});
