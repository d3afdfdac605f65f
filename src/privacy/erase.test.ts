import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

let t: TestServer;
let token: string;
const today = new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

const PII = { first_name: 'Zenobia', last_name: 'Quarterfield', email: 'zenobia.q@erasure.example', phone: '+44 20 7946 0321', address: '12 Wharf Lane, Bristol BS1 4RN' };

beforeAll(async () => {
  t = await startTestServer({ OPENIB_DEMO: '1' });
  token = await t.token(['admin']);
});
afterAll(() => t.stop());

const db = () => t.server.ctx.db;

/** Every text, varchar, json and jsonb column of every table, as text, that contains the value (case-insensitive). */
async function traces(value: string): Promise<string[]> {
  const cols = await db().query<{ table_name: string; column_name: string }>(
    `SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')`,
  );
  const found: string[] = [];
  for (const c of cols) {
    const [hit] = await db().query(`SELECT 1 FROM "${c.table_name}" WHERE "${c.column_name}"::text ILIKE $1 LIMIT 1`, [`%${value}%`]);
    if (hit) found.push(`${c.table_name}.${c.column_name}`);
  }
  return found;
}

const ledgerTotals = () =>
  db().query<{ partner_id: string; currency: string; total: string; n: number }>(
    'SELECT partner_id, currency::text, sum(amount)::text AS total, count(*)::int AS n FROM ledger_entries GROUP BY 1, 2 ORDER BY 1, 2',
  );

describe('POST /api/v1/customers/{id}/erase', () => {
  it('removes every trace of the personal data and keeps the money, attribution and reports', async () => {
    const c = await t.call('POST', '/api/v1/forex/customers', {
      token,
      body: [{ customer_id: 'C-ERASE', signup_date: `${daysAgo(5)}T10:00:00Z`, affiliate_id: 'IB-1000', kyc_status_id: 'approved', ...PII }],
    });
    expect(c.status).toBe(200);
    expect(
      (await t.call('POST', '/api/v1/forex/transactions', {
        token,
        body: [{ transaction_id: 'T-ERASE', customer_id: 'C-ERASE', transaction_type: 'deposit', amount: '500.00', currency: 'USD', transaction_date: `${daysAgo(4)}T10:00:00Z`, status: 'approved', comment: `wire from ${PII.first_name} ${PII.last_name}` }],
      })).status,
    ).toBe(200);
    expect(
      (await t.call('POST', '/api/v1/forex/trading-activity', {
        token,
        body: [{ date: daysAgo(3), customer_id: 'C-ERASE', instrument: 'EURUSD', lots_traded: '4.00', currency: 'USD' }],
      })).status,
    ).toBe(200);
    // Raw copies a connector keeps: a dead letter and a receipt carrying the personal data.
    await db().query(
      `INSERT INTO connector_dead_letters (source, entity, event_key, payload, error) VALUES ('crm', 'customer', 'ev-1', $1::jsonb, $2)`,
      [JSON.stringify({ customer_id: 'C-ERASE', Name: `${PII.first_name} ${PII.last_name}`, email: PII.email.toUpperCase(), phone: PII.phone }), `bad record for ${PII.email}`],
    );
    await db().query(`INSERT INTO connector_received (source, event_key, result) VALUES ('crm', 'ev-2', $1::jsonb)`, [
      JSON.stringify({ customer_id: 'C-ERASE', echo: { first: PII.first_name, addr: PII.address } }),
    ]);
    // Another customer who shares a first name keeps theirs.
    await t.call('POST', '/api/v1/forex/customers', { token, body: [{ customer_id: 'C-OTHER', signup_date: `${daysAgo(5)}T10:00:00Z`, affiliate_id: 'IB-1000', first_name: PII.first_name, last_name: 'Other' }] });
    await db().query(`INSERT INTO connector_received (source, event_key, result) VALUES ('crm', 'ev-3', $1::jsonb)`, [JSON.stringify({ customer_id: 'C-OTHER', first: PII.first_name })]);

    await t.server.workers?.idle();
    for (const v of Object.values(PII)) expect((await traces(v)).filter((x) => !x.startsWith('customers.'))).not.toEqual([]);
    const before = await ledgerTotals();
    expect(before.length).toBeGreaterThan(0);
    const report = async () =>
      (await t.call('GET', `/api/v1/reports/partners/${(await partnerId('IB-1000'))}/customers?from=${daysAgo(30)}&to=${today}&per_page=500`, { token })).body;
    const reportBefore = await report();
    expect(reportBefore.data.find((r: { customer_id: string }) => r.customer_id === 'C-ERASE')).toMatchObject({ name: `${PII.first_name} ${PII.last_name}`, email: PII.email });

    const res = await t.call('POST', '/api/v1/customers/C-ERASE/erase', { token, body: { reason: 'GDPR request #42' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ customer_id: 'C-ERASE', status: 'erased', pseudonym: expect.stringMatching(/^erased-[0-9a-f]{12}$/) });
    await t.server.workers?.idle();

    for (const v of [...Object.values(PII), `${PII.first_name} ${PII.last_name}`]) expect({ value: v, found: await traces(v) }).toEqual({ value: v, found: v === PII.first_name ? expect.any(Array) : [] });
    // The first name survives only in the other customer's own (sealed) record and its raw receipt.
    const [other] = await db().query<{ result: { first: string } }>(`SELECT result FROM connector_received WHERE event_key = 'ev-3'`);
    expect(other.result.first).toBe(PII.first_name);
    const firstNameTraces = await traces(PII.first_name);
    expect(firstNameTraces).toEqual(['connector_received.result']);

    expect(await ledgerTotals()).toEqual(before);
    const [tx] = await db().query<{ amount: string; customer_id: string }>(`SELECT amount::text, customer_id FROM transactions WHERE transaction_id = 'T-ERASE'`);
    expect(tx).toEqual({ amount: '500.00', customer_id: 'C-ERASE' });
    const row = (await report()).data.find((r: { customer_id: string }) => r.customer_id === 'C-ERASE');
    expect(row).toMatchObject({ name: res.body.data.pseudonym, email: null, deposits: expect.any(String) });
    expect((await report()).meta?.total ?? (await report()).data.length).toBe(reportBefore.meta?.total ?? reportBefore.data.length);

    const read = (await t.call('GET', '/api/v1/forex/customers?affiliate_id=IB-1000&per_page=500', { token })).body.data.find((r: { customer_id: string }) => r.customer_id === 'C-ERASE');
    expect(read).toMatchObject({ first_name: null, last_name: null, email: null, phone: null, address: null, pseudonym: res.body.data.pseudonym });

    const events = (await t.call('GET', '/api/v1/events?type=customer.erased&limit=10', { token })).body.data;
    expect(events.map((e: { subject_id: string }) => e.subject_id)).toContain('C-ERASE');
    const [audit] = await db().query<{ actor: string; after: { reason: string } }>(`SELECT actor, after FROM audit_log WHERE action = 'customer.erase' AND subject_id = 'C-ERASE'`);
    expect(audit.after.reason).toBe('GDPR request #42');
    expect(audit.actor).toMatch(/\S/);
  });

  it('is idempotent and drops personal data sent later for the erased customer', async () => {
    const again = await t.call('POST', '/api/v1/customers/C-ERASE/erase', { token, body: { reason: 'again' } });
    expect(again.status).toBe(200);
    expect(again.body.data.status).toBe('already_erased');
    const later = await t.call('POST', '/api/v1/forex/customers', {
      token,
      body: [{ customer_id: 'C-ERASE', signup_date: `${daysAgo(5)}T10:00:00Z`, affiliate_id: 'IB-1000', kyc_status_id: 'rejected', ...PII }],
    });
    expect(later.status).toBe(200);
    const read = (await t.call('GET', '/api/v1/forex/customers?affiliate_id=IB-1000&per_page=500', { token })).body.data.find((r: { customer_id: string }) => r.customer_id === 'C-ERASE');
    expect(read).toMatchObject({ email: null, first_name: null, kyc_status_id: 'rejected' });
    expect(await traces(PII.email)).toEqual([]);
  });

  it('refuses hostile input and callers without the admin scope, changing nothing', async () => {
    const reader = await t.token(['customers:write', 'customers:read']);
    expect((await t.call('POST', '/api/v1/customers/C-OTHER/erase', { token: reader, body: { reason: 'nope' } })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/customers/C-OTHER/erase', { body: { reason: 'nope' } })).status).toBe(401);
    for (const body of [{}, { reason: '' }, { reason: 'x'.repeat(1001) }, { reason: 'ok reason', extra: 1 }, { reason: 'nul\u0000byte' }, { reason: 42 }])
      expect((await t.call('POST', '/api/v1/customers/C-OTHER/erase', { token, body })).status).toBeGreaterThanOrEqual(400);
    expect((await t.call('POST', '/api/v1/customers/C-OTHER/erase', { token, raw: '{"reason":', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await t.call('POST', '/api/v1/customers/nobody/erase', { token, body: { reason: 'no such customer' } })).status).toBe(404);
    const [other] = await db().query<{ erased_at: string | null }>(`SELECT erased_at FROM customers WHERE customer_id = 'C-OTHER'`);
    expect(other.erased_at).toBeNull();
  });
});

async function partnerId(affiliateId: string): Promise<string> {
  const [p] = await db().query<{ partner_id: string }>('SELECT partner_id FROM partners WHERE affiliate_id = $1', [affiliateId]);
  return p.partner_id;
}
