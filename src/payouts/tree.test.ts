import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { payoutSteps } from './test-support.ts';

let t: TestServer;
let p: ReturnType<typeof payoutSteps>;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  p = payoutSteps(t, await t.token(['admin']));
});
afterAll(() => t.stop());

describe('consistency across the tree', () => {
  it('gives a master IB the same numbers for every sub-IB as the sub-IB sees itself, from the same ledger rows', async () => {
    // A generated tree: each partner's parent is one created before it; override plan pays uplines.
    const parents = fc.sample(fc.array(fc.nat(), { minLength: 7, maxLength: 7 }), { numRuns: 1, seed: 42 })[0];
    await p.plan({
      plan_id: 'tree', name: 'Tree', currency: 'USD',
      rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '7.5' }] }],
      hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1.25' }, { level: 2, percent_of_child: '10' }] },
    });
    const ids: string[] = [await p.partner('T0')];
    for (let i = 1; i <= parents.length; i++) ids.push(await p.partner(`T${i}`, { parent_id: ids[parents[i - 1] % i] }));
    for (const [i, id] of ids.entries()) {
      await p.assign(id, 'tree');
      await p.customer(`T${i}-c1`, `T${i}`);
      await p.activity([{ customer_id: `T${i}-c1`, instrument: 'EURUSD', lots_traded: String((i % 3) + 0.37), date: `2026-03-0${(i % 8) + 1}` }]);
    }
    await p.run();

    const tokens = new Map<string, string>();
    for (const id of ids) tokens.set(id, await t.token(['payouts:read'], id));
    const view = async (asPartner: string, of: string) => {
      const res = await t.call('GET', `/api/v1/partners/${of}/numbers?from=2026-03-01&to=2026-03-31`, { token: tokens.get(asPartner) });
      return res;
    };
    const parentOf = new Map(ids.slice(1).map((id, i) => [id, ids[parents[i] % (i + 1)]]));
    const ancestors = (id: string): string[] => (parentOf.has(id) ? [parentOf.get(id)!, ...ancestors(parentOf.get(id)!)] : []);
    let compared = 0;
    for (const id of ids) {
      const own = await view(id, id);
      expect(own.status).toBe(200);
      const ledger = await p.ledger(`partner_id=${id}`);
      const sum = ledger.reduce((s, e) => s + Number(e.amount) * 1e6, 0) / 1e6;
      expect(Number(own.body.totals[0]?.total ?? 0)).toBeCloseTo(sum, 9);
      const admin = await p.earnings(id, '2026-03-01', '2026-03-31');
      expect(own.body.totals).toEqual(admin);
      for (const up of ancestors(id)) {
        expect((await view(up, id)).body).toEqual(own.body);
        compared++;
      }
      // A sub-IB cannot look up its master.
      if (parentOf.has(id)) expect((await view(id, parentOf.get(id)!)).status).toBe(404);
    }
    expect(compared).toBeGreaterThan(ids.length - 1);
  });
});
