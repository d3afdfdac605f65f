import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_DEMO: '1', OPENIB_COMMISSIONS_AUTO: '0' });
});
afterAll(() => t.stop());

describe('demo payouts', () => {
  it('shows a payout run with one approved and one held statement', async () => {
    const token = await t.token(['admin']);
    const runs = await t.call('GET', '/api/v1/payout-runs', { token });
    expect(runs.body.data).toHaveLength(1);
    expect(runs.body.data[0]).toMatchObject({ period: '2026-01', by_status: { approved: 1, held: 1 } });
  });
});
