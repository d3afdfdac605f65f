import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';
import { createClient } from '../auth/clients.ts';
import { partnerApi } from '../../test/helpers/partners.ts';

let t: TestServer;
let admin: string;
let api: ReturnType<typeof partnerApi>;

beforeAll(async () => {
  t = await startTestServer({ OPENIB_DEFAULT_DESTINATION_URL: 'https://broker.example/open-account', OPENIB_LINK_BASE_URL: 'https://go.broker.example' });
  admin = await t.token();
  api = partnerApi(t, admin);
});
afterAll(() => t.stop());

/** A token for an API client bound to one partner, as the partner portal will hold. */
async function partnerToken(partnerId: string, scopes: ('partners:read' | 'partners:write')[] = ['partners:read']) {
  const client = await createClient(t.server.ctx.db, { name: `portal ${partnerId}`, scopes, partnerId });
  const res = await t.call('POST', '/oauth/token', { body: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret } });
  return res.body.access_token as string;
}

describe('partners', () => {
  it('creates a partner with a generated affiliate_id and referral code, and emits partner.created', async () => {
    const p = await api.partner({ name: '  Gulf Traders FZE ', email: 'ib@gulf.example', country: 'ae', payout_currency: 'eur' });
    expect(p).toMatchObject({ name: 'Gulf Traders FZE', country: 'AE', payout_currency: 'EUR', status: 'active', parent_id: null, depth: 0 });
    expect(p.affiliate_id).toMatch(/^IB[A-Z2-9]{8}$/);
    expect(p.referral_code).toMatch(/^[A-Z2-9]{8}$/);
    const events = await api.events('partner.created');
    const event = events.find((e) => e.subject_id === p.partner_id);
    expect(event?.data.partner).toMatchObject({ partner_id: p.partner_id, affiliate_id: p.affiliate_id });
    expect(event?.data.partner.email).toBeUndefined();
    expect(await api.ok('GET', `/api/v1/partners/${p.partner_id}`)).toEqual(p);
  });

  it('refuses a taken affiliate_id or referral code with 409, and an unknown parent with 422', async () => {
    await api.partner({ name: 'First', affiliate_id: 'IB-DUP', referral_code: 'SAMECODE' });
    const dup = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Second', affiliate_id: 'IB-DUP' } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('affiliate_id_taken');
    const code = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Third', referral_code: 'samecode' } });
    expect(code.body.error.code).toBe('referral_code_taken');
    const parent = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Orphan', parent_id: 'pt_nobody' } });
    expect(parent.status).toBe(422);
    expect(parent.body.error.details).toEqual([{ field: 'parent_id', reason: 'no partner "pt_nobody"' }]);
  });

  it('answers hostile input with a 4xx naming the field, and stores nothing', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ name: 'x'.repeat(201) }, 422, 'name'],
      [{ name: '' }, 422, 'name'],
      [{ name: 'A', country: 'ZZ' }, 422, 'country'],
      [{ name: 'A', payout_currency: 'XYZ' }, 422, 'payout_currency'],
      [{ name: 'A', email: 'not-an-email' }, 422, 'email'],
      [{ name: 'A', affiliate_id: 'has space' }, 422, 'affiliate_id'],
      [{ name: 'A', referral_code: '<script>' }, 422, 'referral_code'],
      [{ name: 'A', status: 'suspended' }, 422, 'status'],
      [{ name: 'A', role: 'admin' }, 422, 'role'],
      [{ name: 'A\u0000B' }, 422, 'name'],
      [{ name: 'A', customer_id: 'no-such-customer' }, 422, 'customer_id'],
    ];
    const before = (await api.ok('GET', '/api/v1/partners?per_page=1')).meta.total;
    for (const [body, status, field] of cases) {
      const res = await t.call('POST', '/api/v1/partners', { token: admin, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(JSON.stringify(res.body.error.details), JSON.stringify(body)).toContain(field);
    }
    expect((await api.ok('GET', '/api/v1/partners?per_page=1')).meta.total).toBe(before);
    expect((await t.call('GET', '/api/v1/partners/pt_unknown', { token: admin })).status).toBe(404);
    expect((await t.call('PATCH', '/api/v1/partners/pt_unknown', { token: admin, body: { name: 'X' } })).status).toBe(404);
  });

  it('updates details, suspends and reinstates with events', async () => {
    const p = await api.partner({ name: 'Editable' });
    const updated = await api.ok('PATCH', `/api/v1/partners/${p.partner_id}`, { name: 'Edited', country: 'GB', own_accounts: [{ platform: 'MT5', server: 'Live', login: '9001' }] });
    expect(updated).toMatchObject({ name: 'Edited', country: 'GB', own_accounts: [{ platform: 'mt5', server: 'Live', login: '9001' }] });
    const changed = (await api.events('partner.updated')).find((e) => e.subject_id === p.partner_id);
    expect(changed?.data.changed).toEqual(['name', 'country', 'own_accounts']);

    expect((await api.ok('POST', `/api/v1/partners/${p.partner_id}/suspend`, { reason: 'KYC expired' })).status).toBe('suspended');
    const again = await t.call('POST', `/api/v1/partners/${p.partner_id}/suspend`, { token: admin, body: {} });
    expect(again.body.status).toBe('suspended');
    expect((await api.ok('POST', `/api/v1/partners/${p.partner_id}/activate`, {})).status).toBe('active');
    const statuses = (await api.events('partner.status_changed')).filter((e) => e.subject_id === p.partner_id).map((e) => [e.data.from, e.data.to, e.data.reason]);
    expect(statuses).toEqual([
      ['active', 'suspended', 'KYC expired'],
      ['suspended', 'active', null],
    ]);
  });

  it('lists with filters and pagination', async () => {
    const master = await api.partner({ name: 'Filter Master', country: 'TH' });
    await api.partner({ name: 'Filter Sub A', parent_id: master.partner_id });
    await api.partner({ name: 'Filter Sub B', parent_id: master.partner_id, status: 'pending' });
    const subs = await api.ok('GET', `/api/v1/partners?parent_id=${master.partner_id}`);
    expect(subs.data.map((p: { name: string }) => p.name)).toEqual(['Filter Sub A', 'Filter Sub B']);
    const pending = await api.ok('GET', `/api/v1/partners?parent_id=${master.partner_id}&status=pending`);
    expect(pending.meta.total).toBe(1);
    const byName = await api.ok('GET', '/api/v1/partners?q=filter%20sub&per_page=1');
    expect(byName.meta.total).toBe(2);
    expect(byName.meta.next_cursor).toBeTruthy();
    const wildcard = await api.ok('GET', '/api/v1/partners?q=%25');
    expect(wildcard.meta.total).toBe(0);
  });
});

describe('partner-scoped tokens', () => {
  it('see their own partner and subtree only; anything else is 404, as if it did not exist', async () => {
    const master = await api.partner({ name: 'Scope Master' });
    const sub = await api.partner({ name: 'Scope Sub', parent_id: master.partner_id });
    const other = await api.partner({ name: 'Scope Stranger' });
    const subToken = await partnerToken(sub.partner_id);
    const masterToken = await partnerToken(master.partner_id);

    expect((await t.call('GET', `/api/v1/partners/${sub.partner_id}`, { token: subToken })).status).toBe(200);
    for (const id of [master.partner_id, other.partner_id, 'pt_doesnotexist']) {
      const res = await t.call('GET', `/api/v1/partners/${id}`, { token: subToken });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe('No partner with this id.');
    }
    expect((await t.call('GET', `/api/v1/partners/${sub.partner_id}`, { token: masterToken })).status).toBe(200);
    const listed = await t.call('GET', '/api/v1/partners', { token: masterToken });
    expect(listed.body.data.map((p: { partner_id: string }) => p.partner_id).sort()).toEqual([master.partner_id, sub.partner_id].sort());
    const ancestors = await t.call('GET', `/api/v1/partners/${sub.partner_id}/ancestors`, { token: subToken });
    expect(ancestors.body.data).toEqual([]);
    const fromMaster = await t.call('GET', `/api/v1/partners/${sub.partner_id}/ancestors`, { token: masterToken });
    expect(fromMaster.body.data.map((a: { partner_id: string }) => a.partner_id)).toEqual([master.partner_id]);
    expect((await t.call('GET', `/api/v1/partners/${other.partner_id}/links`, { token: masterToken })).status).toBe(404);
  });

  it('see a customer\'s attribution only while their subtree owns it', async () => {
    const master = await api.partner({ name: 'Owner master', affiliate_id: 'SCOPE-OWN' });
    const stranger = await api.partner({ name: 'Owner stranger', affiliate_id: 'SCOPE-STRANGER' });
    await api.customer('SCOPE-C1', { affiliate_id: 'SCOPE-OWN' });
    await api.customer('SCOPE-C2', { affiliate_id: 'SCOPE-STRANGER' });
    const token = await partnerToken(master.partner_id);
    expect((await t.call('GET', '/api/v1/customers/SCOPE-C1/attribution', { token })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/customers/SCOPE-C2/attribution', { token })).status).toBe(404);
    const clients = await t.call('GET', `/api/v1/partners/${master.partner_id}/customers`, { token });
    expect(clients.body.data.map((c: { customer_id: string }) => c.customer_id)).toEqual(['SCOPE-C1']);
    expect((await t.call('GET', `/api/v1/partners/${stranger.partner_id}/customers`, { token })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/attribution-conflicts', { token })).status).toBe(403);
  });

  it('cannot do what only the broker may', async () => {
    const p = await api.partner({ name: 'Scoped Writer' });
    const token = await partnerToken(p.partner_id, ['partners:read', 'partners:write']);
    expect((await t.call('POST', `/api/v1/partners/${p.partner_id}/suspend`, { token, body: {} })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/partners', { token, body: { name: 'Mine' } })).status).toBe(403);
    expect((await t.call('POST', `/api/v1/partners/${p.partner_id}/move`, { token, body: { parent_id: null } })).status).toBe(403);
    const link = await t.call('POST', `/api/v1/partners/${p.partner_id}/links`, { token, body: { destination_url: 'https://broker.example/a' } });
    expect(link.status).toBe(201);
  });
});

describe('sign-up', () => {
  it('lets anyone apply (pending until approved) and places recruits under the recruiting partner', async () => {
    const recruiter = await api.partner({ name: 'Recruiter' });
    const recruitLink = await api.link(recruiter.partner_id, { kind: 'recruit', destination_url: 'https://portal.broker.example/signup' });
    const clickRes = await fetch(`${t.url}/l/${recruitLink.code}`, { redirect: 'manual' });
    const clickId = new URL(clickRes.headers.get('location') as string).searchParams.get('click_id');

    const solo = await t.call('POST', '/api/v1/partner-signups', { body: { name: 'Solo IB', email: 'solo@example.com', country: 'BR' } });
    expect(solo.status).toBe(201);
    expect(solo.body).toMatchObject({ status: 'pending', parent_id: null });
    expect(solo.body.invite_link.url).toMatch(/^https:\/\/go\.broker\.example\/l\/[a-z2-9]{8}$/);

    const viaLink = await t.call('POST', '/api/v1/partner-signups', { body: { name: 'Recruited', email: 'rec@example.com', recruit_code: clickId } });
    expect(viaLink.status).toBe(201);
    expect(viaLink.body.parent_id).toBe(recruiter.partner_id);
    const viaCode = await t.call('POST', '/api/v1/partner-signups', { body: { name: 'Coded', email: 'code@example.com', recruit_code: recruitLink.code.toUpperCase() } });
    expect(viaCode.body.parent_id).toBe(recruiter.partner_id);

    const bad = await t.call('POST', '/api/v1/partner-signups', { body: { name: 'Bad', email: 'bad@example.com', recruit_code: 'nosuchcode' } });
    expect(bad.status).toBe(422);
    const twice = await t.call('POST', '/api/v1/partner-signups', { body: { name: 'Solo again', email: 'SOLO@example.com' } });
    expect(twice.status).toBe(409);
    const extra = await t.call('POST', '/api/v1/partner-signups', { body: { name: 'Sneaky', email: 's@example.com', status: 'active' } });
    expect(extra.status).toBe(422);

    const approved = await api.ok('POST', `/api/v1/partners/${solo.body.partner_id}/activate`, {});
    expect(approved.status).toBe('active');
  });

  it('turns an existing trader into an IB in one call, and answers the same partner when asked again', async () => {
    await api.customer('TRADER-1', { first_name: 'Lena', last_name: 'Park', email: 'lena@example.com', country_code: 'DE' });
    const first = await t.call('POST', '/api/v1/customers/TRADER-1/become-partner', { token: admin, body: { payout_currency: 'EUR' } });
    expect(first.status).toBe(201);
    expect(first.body.partner).toMatchObject({ name: 'Lena Park', email: 'lena@example.com', country: 'DE', customer_id: 'TRADER-1', payout_currency: 'EUR', status: 'active' });
    expect(first.body.invite_link).toMatchObject({ destination_url: 'https://broker.example/open-account', kind: 'client', status: 'active' });
    const again = await t.call('POST', '/api/v1/customers/TRADER-1/become-partner', { token: admin, body: {} });
    expect(again.status).toBe(200);
    expect(again.body.partner.partner_id).toBe(first.body.partner.partner_id);
    expect(again.body.invite_link.link_id).toBe(first.body.invite_link.link_id);
    expect((await t.call('POST', '/api/v1/customers/NOBODY/become-partner', { token: admin, body: {} })).status).toBe(404);
    const js = await t.call('POST', '/api/v1/customers/TRADER-1/become-partner', { token: admin, body: { destination_url: 'javascript:alert(1)' } });
    expect(js.status).toBe(422);
  });
});
