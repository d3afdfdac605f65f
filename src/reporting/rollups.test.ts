import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { generateBroker } from '../demo/generate.ts';
import { reassignCustomer } from '../partners/attribution/reassign.ts';
import { policyFrom } from '../partners/attribution/policy.ts';
import { rebuildRollups } from './rollups.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
});
afterAll(() => t.stop());

const TABLES = {
  report_partner_daily: 'partner_id, day',
  report_partner_instrument_daily: 'partner_id, day, instrument',
  report_link_daily: 'partner_id, day, link_id, campaign_id',
  report_customers: 'customer_id',
};

async function snapshot() {
  const out: Record<string, unknown[]> = {};
  for (const [table, key] of Object.entries(TABLES)) out[table] = await t.server.ctx.db.query(`SELECT * FROM ${table} ORDER BY ${key}`);
  return out;
}

describe('rollups', () => {
  it('maintained incrementally equal a rebuild from the facts, on generated data with a reassignment', async () => {
    const { db, config } = t.server.ctx;
    const out = await generateBroker(db, { partners: 12, depth: 3, customers: 150, days: 20, seed: 7, until: '2026-02-20', prefix: 'rb' });
    expect(out.activity).toBeGreaterThan(100);
    const [moved] = await db.query<{ customer_id: string; partner_id: string }>(
      `SELECT customer_id, partner_id FROM attributions WHERE customer_id IN (SELECT customer_id FROM trading_activity) ORDER BY customer_id LIMIT 1`,
    );
    const [target] = await db.query<{ partner_id: string }>('SELECT partner_id FROM partners WHERE partner_id <> $1 ORDER BY seq LIMIT 1', [moved.partner_id]);
    await db.transaction((tx) =>
      reassignCustomer(tx, { customerId: moved.customer_id, partnerId: target.partner_id, effectiveFrom: '2026-02-10T00:00:00.000Z', reason: 'test', force: true, by: 'test', policy: policyFrom(config) }),
    );
    await t.server.workers?.idle();
    const incremental = await snapshot();
    expect(incremental.report_partner_daily.length).toBeGreaterThan(10);
    await rebuildRollups(db, config.brokerTimeZone);
    const rebuilt = await snapshot();
    for (const table of Object.keys(TABLES)) expect(incremental[table], table).toEqual(rebuilt[table]);
  });
});
