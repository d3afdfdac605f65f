import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerApi } from '../../../test/helpers/partners.ts';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';

let t: TestServer;
let admin: string;
let api: ReturnType<typeof partnerApi>;
let north: string;
let south: string;

beforeAll(async () => {
  t = await startTestServer();
  admin = await t.token();
  api = partnerApi(t, admin);
  north = (await api.partner({ name: 'Northwind IB', affiliate_id: 'FIND-N' })).partner_id;
  south = (await api.partner({ name: 'Southern Desk', affiliate_id: 'FIND-S' })).partner_id;
  await api.customers([
    { customer_id: 'EU-1001', signup_date: '2026-01-05T00:00:00Z', affiliate_id: 'FIND-N', country_code: 'DE', kyc_status_id: 'approved', first_name: 'Anna', last_name: 'Berg', email: 'Anna.Berg@example.com' },
    { customer_id: 'EU-1002', signup_date: '2026-01-06T00:00:00Z', affiliate_id: 'FIND-N', country_code: 'FR', kyc_status_id: 'pending', email: 'claude@example.com' },
    { customer_id: 'AS-2001', signup_date: '2026-01-07T00:00:00Z', affiliate_id: 'FIND-S', country_code: 'DE', kyc_status_id: 'pending' },
    { customer_id: 'EU_1003', signup_date: '2026-01-08T00:00:00Z', affiliate_id: 'FIND-NOBODY', country_code: 'IT' },
  ]);
});
afterAll(() => t.stop());

const find = async (query: string) => {
  const res = await t.call('GET', `/api/v1/customers${query}`, { token: admin });
  expect(res.status, res.text).toBe(200);
  return res.body as { data: { customer_id: string; partner_id: string | null; partner_name: string | null; first_name: string | null; email: string | null }[]; meta: { next_cursor: string | null } };
};
const ids = async (query: string) => (await find(query)).data.map((c) => c.customer_id).filter((id) => /^(EU|AS)[-_]/.test(id));

describe('finding customers in the console', () => {
  it('finds customers by the start of their id, their owner, country and KYC status, newest first, with the owner named', async () => {
    expect(await ids('?customer_id=EU-')).toEqual(['EU-1002', 'EU-1001']); // "_" is a character, not a wildcard
    expect(await ids('?customer_id=EU_')).toEqual(['EU_1003']);
    expect(await ids(`?partner_id=${north}`)).toEqual(['EU-1002', 'EU-1001']);
    expect(await ids('?country=de')).toEqual(['AS-2001', 'EU-1001']);
    expect(await ids('?country=DE&kyc_status=pending')).toEqual(['AS-2001']);
    const [anna] = (await find('?customer_id=EU-1001')).data;
    expect(anna).toMatchObject({ customer_id: 'EU-1001', partner_id: north, partner_name: 'Northwind IB', first_name: 'Anna', email: 'Anna.Berg@example.com' });
    expect((await find('?customer_id=EU_1003')).data[0]).toMatchObject({ partner_id: null, partner_name: null });
  });

  it('finds a customer by a whole email through its keyed hash, whatever its case, and never by a part of it', async () => {
    expect(await ids('?email=%20anna.berg@EXAMPLE.com%20')).toEqual(['EU-1001']);
    expect(await ids('?email=anna.berg')).toEqual([]);
  });

  it('shows the owner of now after a reassignment', async () => {
    const moved = await t.call('POST', '/api/v1/customers/EU-1002/reassign', { token: admin, body: { partner_id: south, reason: 'client asked to move', force: true } });
    expect(moved.status, moved.text).toBe(200);
    expect(await ids(`?partner_id=${south}`)).toEqual(['AS-2001', 'EU-1002']); // newest received first
    expect(await ids(`?partner_id=${north}`)).toEqual(['EU-1001']);
  });

  it('pages by cursor through every match once', async () => {
    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await find(`?customer_id=E&per_page=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(1);
      seen.push(...page.data.map((c) => c.customer_id));
      cursor = page.meta.next_cursor;
    }
    expect(seen).toEqual(['EU_1003', 'EU-1002', 'EU-1001']);
  });

  it('refuses bad input with a clear 400, partner tokens with 403, and callers without a token', async () => {
    const badCountry = await t.call('GET', '/api/v1/customers?country=D1', { token: admin });
    expect(badCountry.status).toBe(400);
    const badCursor = await t.call('GET', '/api/v1/customers?cursor=not-ours', { token: admin });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.code).toBe('invalid_cursor');
    const unknown = await t.call('GET', '/api/v1/customers?name=Anna', { token: admin });
    expect(unknown.status).toBe(400);
    const partnerToken = await t.token(['customers:read'], north);
    const partner = await t.call('GET', '/api/v1/customers', { token: partnerToken });
    expect(partner.status).toBe(403); // a partner's token cannot hold customers:read, and the route is the broker's only anyway
    expect((await t.call('GET', '/api/v1/customers')).status).toBe(401);
  });
});
