import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

describe('commission engine in the background', () => {
  it('turns newly pushed activity into ledger entries without being asked, and only once', async () => {
    const b = brokerSteps(t, await t.token(['admin']));
    const ib = await b.partner('IB-BG');
    await b.plan({ plan_id: 'bg', name: 'bg', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '5' }] }] });
    await b.assign(ib, 'bg');
    await b.customer('bg-c', 'IB-BG');
    await b.activity([{ customer_id: 'bg-c', instrument: 'EURUSD', lots_traded: '4' }]);
    await t.server.workers?.idle();
    const entries = await b.ledger(`partner_id=${ib}`);
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([['per_lot', '20']]);
    const manual = await b.run('2026-03-01', '2026-03-31');
    expect(manual.entries_written).toBe(0);
  });
});
