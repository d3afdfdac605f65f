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

  it('credits a closed deal within the background round and names the deal in commission.approved', async () => {
    const b = brokerSteps(t, await t.token(['admin']));
    const ib = await b.partner('IB-DEAL');
    await b.plan({ plan_id: 'deal', name: 'deal', currency: 'USD', rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '7' }] }] });
    await b.assign(ib, 'deal');
    await b.customer('deal-c', 'IB-DEAL');
    await b.ok('POST', '/api/v1/forex/deals', [
      { deal_id: 'D-9001', customer_id: 'deal-c', symbol: 'EURUSD', currency: 'USD', side: 'buy', lots: '1.5', open_time: '2026-03-03T09:00:00Z', close_time: '2026-03-03T10:00:00Z' },
      { deal_id: 'D-9002', customer_id: 'deal-c', symbol: 'EURUSD', currency: 'USD', side: 'sell', lots: '0.5', open_time: '2026-03-03T10:30:00Z', close_time: '2026-03-03T11:00:00Z' },
    ]);
    await t.server.workers?.idle();
    expect((await b.ledger(`partner_id=${ib}`)).map((e) => [e.kind, e.amount, e.source_key])).toEqual([['per_lot', '14', '2026-03-03|deal-c|EURUSD|USD']]);
    const events = await b.ok('GET', '/api/v1/events?type=commission.approved');
    const mine = events.data.filter((e: { data: { partner_id: string } }) => e.data.partner_id === ib);
    expect(mine).toHaveLength(1);
    expect(mine[0].data).toMatchObject({
      amount: '14', currency: 'USD', customer_ids: ['deal-c'], deal_ids: ['D-9002', 'D-9001'], named_in_full: true,
      facts: [{ date: '2026-03-03', customer_id: 'deal-c', instrument: 'EURUSD' }],
    });
  });
});
