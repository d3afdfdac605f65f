import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { linkRuntime } from '../links/runtime.ts';
import { partnerApi, visit } from '../../../test/helpers/partners.ts';

let t: TestServer;
let admin: string;
let api: ReturnType<typeof partnerApi>;

beforeAll(async () => {
  t = await startTestServer({ OPENIB_CLICK_WINDOW_DAYS: '1' });
  admin = await t.token();
  api = partnerApi(t, admin);
});
afterAll(() => t.stop());

const now = () => new Date().toISOString();
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const periods = async (customerId: string) =>
  (await api.attribution(customerId)).periods.map((p: { partner_id: string; source: string }) => [p.partner_id, p.source]);

describe('attribution at registration', () => {
  it('resolves click id before code before affiliate_id; an expired or forged click counts for nothing', async () => {
    const master = await api.partner({ name: 'Order master', affiliate_id: 'ORD-A' });
    const viaClick = await api.partner({ name: 'Order click', parent_id: master.partner_id });
    const viaLinkCode = await api.partner({ name: 'Order link code' });
    const viaPartnerCode = await api.partner({ name: 'Order partner code', referral_code: 'ORDCODE' });
    const clickLink = await api.link(viaClick.partner_id, { campaign_id: 'camp-1' });
    const codeLink = await api.link(viaLinkCode.partner_id, { code: 'order-code', campaign_id: 'camp-2' });
    const click = await visit(t, clickLink.code, { query: '?sub_id=banner-7' });
    await linkRuntime(t.server.ctx)?.recorder.flush();
    const forged = `${(click.clickId as string).slice(0, -4)}AAAA`;

    await api.customers([
      { customer_id: 'ORD-1', signup_date: now(), affiliate_id: 'ORD-A', click_id: click.clickId },
      { customer_id: 'ORD-2', signup_date: now(), affiliate_id: 'ORD-A', click_id: 'ORDER-CODE' },
      { customer_id: 'ORD-3', signup_date: now(), affiliate_id: 'ORD-A', click_id: 'ordcode' },
      { customer_id: 'ORD-4', signup_date: now(), affiliate_id: 'ORD-A' },
      { customer_id: 'ORD-5', signup_date: inDays(2), affiliate_id: 'ORD-A', click_id: click.clickId },
      { customer_id: 'ORD-6', signup_date: now(), affiliate_id: 'ORD-A', click_id: forged },
      { customer_id: 'ORD-7', signup_date: inDays(-1), affiliate_id: 'ORD-A', click_id: click.clickId },
    ]);
    expect(await periods('ORD-1')).toEqual([[viaClick.partner_id, 'click']]);
    expect(await periods('ORD-2')).toEqual([[viaLinkCode.partner_id, 'link_code']]);
    expect(await periods('ORD-3')).toEqual([[viaPartnerCode.partner_id, 'partner_code']]);
    expect(await periods('ORD-4')).toEqual([[master.partner_id, 'affiliate_id']]);
    expect(await periods('ORD-5')).toEqual([[master.partner_id, 'affiliate_id']]);
    expect(await periods('ORD-6')).toEqual([[master.partner_id, 'affiliate_id']]);
    expect(await periods('ORD-7')).toEqual([[master.partner_id, 'affiliate_id']]);
    // Claims of one registration are ranked, not conflicts.
    expect((await api.ok('GET', '/api/v1/attribution-conflicts?customer_id=ORD-1')).meta.total).toBe(0);

    const event = (await api.events('customer.attributed')).find((e) => e.subject_id === 'ORD-1');
    expect(event?.data).toEqual({
      customer_id: 'ORD-1',
      partner_id: viaClick.partner_id,
      affiliate_id: viaClick.affiliate_id,
      ancestors: [{ partner_id: master.partner_id, affiliate_id: 'ORD-A', level: 1 }],
      source: 'click',
      effective_from: expect.any(String),
      click_id: click.clickId,
      link_id: clickLink.link_id,
      campaign_id: 'camp-1',
      sub_id: 'banner-7',
      self_referral: null,
    });
    const second = (await api.events('customer.attributed')).find((e) => e.subject_id === 'ORD-2');
    expect(second?.data).toMatchObject({ source: 'link_code', link_id: codeLink.link_id, campaign_id: 'camp-2', click_id: null });
    expect((await api.ok('GET', `/api/v1/links/${clickLink.link_id}/stats`)).registrations).toBe(1);
  });

  it('keeps and emits unattributed registrations, and attributes them once their partner appears', async () => {
    const signup = '2026-02-01T10:00:00.000Z';
    await api.customers([
      { customer_id: 'ORG-1', signup_date: signup, affiliate_id: '' },
      { customer_id: 'ORG-2', signup_date: signup, affiliate_id: 'LATE-IB' },
    ]);
    const registered = (await api.events('customer.registered')).filter((e) => e.subject_id.startsWith('ORG-'));
    expect(registered.map((e) => e.subject_id).sort()).toEqual(['ORG-1', 'ORG-2']);
    expect((await api.events('customer.attributed')).filter((e) => e.subject_id.startsWith('ORG-'))).toEqual([]);
    expect(await api.attribution('ORG-1')).toMatchObject({ current_partner_id: null, periods: [], history: [] });
    expect(await api.ownerAt('ORG-2', signup)).toBeNull();

    const late = await api.partner({ name: 'Late IB', affiliate_id: 'LATE-IB' });
    expect(await api.attribution('ORG-2')).toMatchObject({ current_partner_id: late.partner_id, periods: [{ source: 'affiliate_id', effective_from: signup }] });
    expect(await api.attribution('ORG-1')).toMatchObject({ periods: [] });
  });

  it('stores a later claim by another partner as a conflict instead of moving the customer', async () => {
    const owner = await api.partner({ name: 'Owner', affiliate_id: 'CONF-OWNER' });
    const rival = await api.partner({ name: 'Rival', affiliate_id: 'CONF-RIVAL' });
    await api.customer('CONF-1', { affiliate_id: 'CONF-OWNER' });
    await api.customer('CONF-1', { affiliate_id: 'CONF-RIVAL', last_modified_date: inDays(0.001) });
    expect(await periods('CONF-1')).toEqual([[owner.partner_id, 'affiliate_id']]);
    const list = await api.ok('GET', '/api/v1/attribution-conflicts?status=open&customer_id=CONF-1');
    expect(list.data).toEqual([
      expect.objectContaining({
        customer_id: 'CONF-1',
        current_partner_id: owner.partner_id,
        current_partner_name: 'Owner',
        claimed_partner_id: rival.partner_id,
        claimed_partner_name: 'Rival',
        source: 'affiliate_id',
        status: 'open',
        claim: expect.objectContaining({ affiliate_id: 'CONF-RIVAL' }),
      }),
    ]);
    const event = (await api.events('attribution.conflict')).find((e) => e.subject_id === 'CONF-1');
    expect(event?.data).toMatchObject({ current_partner_id: owner.partner_id, claimed_partner_id: rival.partner_id, claimed_affiliate_id: 'CONF-RIVAL' });

    const dismissed = await api.ok('POST', `/api/v1/attribution-conflicts/${list.data[0].conflict_id}/resolve`, { action: 'dismiss', reason: 'CRM typo' });
    expect(dismissed.status).toBe('dismissed');
    expect(await periods('CONF-1')).toEqual([[owner.partner_id, 'affiliate_id']]);
    const closed = await t.call('POST', `/api/v1/attribution-conflicts/${list.data[0].conflict_id}/resolve`, { token: admin, body: { action: 'accept', reason: 'second thoughts' } });
    expect(closed.status).toBe(409);

    await api.customer('CONF-2', { affiliate_id: 'CONF-OWNER' });
    await api.customer('CONF-2', { affiliate_id: 'CONF-RIVAL', last_modified_date: inDays(0.001) });
    const [open] = (await api.ok('GET', '/api/v1/attribution-conflicts?status=open&customer_id=CONF-2')).data;
    await api.ok('POST', `/api/v1/attribution-conflicts/${open.conflict_id}/resolve`, { action: 'accept', reason: 'client confirmed the rival' });
    expect(await periods('CONF-2')).toEqual([
      [owner.partner_id, 'affiliate_id'],
      [rival.partner_id, 'reassignment'],
    ]);
  });

  it('attributes a customer nobody owned from the moment a claim arrives', async () => {
    const p = await api.partner({ name: 'Late claim', affiliate_id: 'LATE-CLAIM' });
    await api.customer('LATE-1', { signup_date: '2026-01-10T00:00:00Z' });
    const before = now();
    await api.customer('LATE-1', { signup_date: '2026-01-10T00:00:00Z', affiliate_id: 'LATE-CLAIM' });
    const [period] = (await api.attribution('LATE-1')).periods;
    expect(period.partner_id).toBe(p.partner_id);
    expect(period.effective_from >= before).toBe(true);
    expect(await api.ownerAt('LATE-1', '2026-01-11T00:00:00Z')).toBeNull();
  });

  it('flags self-referral: same customer, same email, or one of the partner\'s own logins', async () => {
    const byEmail = await api.partner({ name: 'Email IB', email: 'Self@Example.com', affiliate_id: 'SELF-EMAIL' });
    await api.customer('SELF-1', { affiliate_id: 'SELF-EMAIL', email: 'self@example.COM' });
    expect((await api.attribution('SELF-1')).periods[0]).toMatchObject({ partner_id: byEmail.partner_id, self_referral: 'same_email' });

    await api.customer('SELF-2', { first_name: 'Ivo' });
    const become = await api.ok('POST', '/api/v1/customers/SELF-2/become-partner', { destination_url: 'https://broker.example/r' }, 201);
    await api.customer('SELF-2', { affiliate_id: become.partner.affiliate_id, last_modified_date: inDays(0.001) });
    expect((await api.attribution('SELF-2')).periods[0]).toMatchObject({ partner_id: become.partner.partner_id, self_referral: 'same_customer' });
    const attributed = (await api.events('customer.attributed')).find((e) => e.subject_id === 'SELF-2');
    expect(attributed?.data.self_referral).toBe('same_customer');

    const byLogin = await api.partner({ name: 'Login IB', affiliate_id: 'SELF-LOGIN', own_accounts: [{ platform: 'mt5', server: 'Live-1', login: '777001' }] });
    await api.customer('SELF-3', { affiliate_id: 'SELF-LOGIN' });
    expect((await api.attribution('SELF-3')).periods[0].self_referral).toBeNull();
    await api.ok('POST', '/api/v1/trading-accounts', [{ platform: 'mt5', server: 'Live-1', login: '777001', customer_id: 'SELF-3' }]);
    expect((await api.attribution('SELF-3')).periods[0]).toMatchObject({ partner_id: byLogin.partner_id, self_referral: 'shared_login' });
    expect((await api.events('attribution.self_referral')).map((e) => e.subject_id)).toContain('SELF-3');
  });

  it('puts the owner at the deposit\'s date on deposit.first', async () => {
    const p = await api.partner({ name: 'FTD IB', affiliate_id: 'FTD-IB' });
    await api.customer('FTD-1', { affiliate_id: 'FTD-IB' });
    await api.customer('FTD-2', { affiliate_id: '' });
    await api.ok('POST', '/api/v1/forex/transactions', [
      { transaction_id: 'FTD-T1', customer_id: 'FTD-1', transaction_type: 'deposit', amount: '500.00', currency: 'USD', transaction_date: now(), status: 'approved' },
      { transaction_id: 'FTD-T2', customer_id: 'FTD-2', transaction_type: 'deposit', amount: '100', currency: 'USD', transaction_date: now(), status: 'approved' },
    ]);
    const firsts = await api.events('deposit.first');
    expect(firsts.find((e) => e.subject_id === 'FTD-1')?.data.partner_id).toBe(p.partner_id);
    expect(firsts.find((e) => e.subject_id === 'FTD-2')?.data.partner_id).toBeNull();
  });
});
