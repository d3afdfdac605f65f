import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { appErrors, builtWebApp, settled } from './support.ts';

let t: TestServer;
let browser: TestBrowser;
let admin: string;
let partnerId: string;
const PASSWORD = 'a-long-compliance-password';

beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token();
  const ok = async (method: string, path: string, body: unknown) => {
    const res = await t.call(method, path, { token: admin, body });
    expect(res.status, res.text).toBeLessThan(300);
    return res.body;
  };
  await ok('POST', '/api/v1/admin-users', { email: 'compliance@example.com', name: 'Compliance', role: 'admin', password: PASSWORD });
  partnerId = (await ok('POST', '/api/v1/partners', { name: 'Kookaburra Partners', affiliate_id: 'IB-KOOK' })).partner_id;
  await ok('POST', `/api/v1/partners/${partnerId}/portal-users`, { email: 'kook@example.com', password: PASSWORD });
  await ok('POST', '/api/v1/plans', { plan_id: 'rebating', name: 'Rebating', currency: 'USD', client_rebate: { allowed: true, per_lot: '2' }, rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '40' }] }] });
  await ok('POST', `/api/v1/partners/${partnerId}/plan`, { plan_id: 'rebating', effective_from: '2020-01-01' });
  const date = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
  await ok('POST', '/api/v1/forex/customers', [{ customer_id: 'KOOK-AU', signup_date: `${date}T08:00:00Z`, affiliate_id: 'IB-KOOK', country_code: 'AU', kyc_status_id: 'approved' }]);
  await ok('POST', '/api/v1/forex/trading-activity', [{ customer_id: 'KOOK-AU', date, instrument: 'EURUSD', currency: 'USD', lots_traded: '2' }]);
  await ok('POST', '/api/v1/commissions/run', { from: date, to: date });
  await ok('POST', '/api/v1/marketing/materials', { kind: 'text', title: 'Risk-warned post', language: 'en', destination_url: 'https://broker.example/register', body: 'Open an account: {tracking_link}. CFDs carry a high risk.' });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

async function signIn(area: 'admin' | 'portal', email: string, heading: string) {
  const opened = await browser.newPage({ width: 1280, height: 900 });
  await opened.page.goto(`${t.url}/${area}/`);
  await opened.page.getByLabel('Email').fill(email);
  await opened.page.getByLabel('Password').fill(PASSWORD);
  await opened.page.getByRole('button', { name: 'Sign in' }).click();
  await opened.page.getByRole('heading', { name: heading }).waitFor();
  return opened;
}

describe('jurisdiction rules and marketing in a browser', () => {
  it('the compliance officer simulates an ASIC policy on history, then saves it', async () => {
    const { page, consoleErrors, context } = await signIn('admin', 'compliance@example.com', 'Overview');
    await page.getByRole('link', { name: 'Jurisdiction rules' }).click();
    await page.getByRole('heading', { name: 'Jurisdiction rules' }).waitFor();
    await settled(page);
    await page.getByRole('button', { name: 'New policy' }).click();
    await page.getByLabel('Policy (JSON)').fill(JSON.stringify({ policy_id: 'asic-au', name: 'ASIC', regulator: 'ASIC', countries: ['AU'], currency: 'USD', client_rebates: 'off', per_lot_caps: [{ symbols: ['EURUSD'], pips: '3' }] }));
    await page.getByLabel('Effective from').fill('2020-01-01');
    await page.getByRole('button', { name: 'Simulate' }).click();
    // 2 lots × 40 − 2 × 2 rebate = 76 now; with the policy 2 × 30 = 60.
    const effect = page.getByRole('region', { name: 'Effect on partners' });
    await effect.waitFor();
    await expect.poll(() => effect.locator('tbody tr').first().textContent()).toMatch(/US\$76\.00US\$60\.00-US\$16\.00/);
    await expect.poll(() => page.getByRole('region', { name: 'Entries cut or removed' }).textContent()).toContain('Cut by jurisdiction policy asic-au v1 (ASIC)');
    await browser.screenshot(page, 'admin-jurisdiction-simulation');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByText(/Saved as version 1/).waitFor();
    const saved = await t.call('GET', '/api/v1/jurisdiction-policies/asic-au', { token: admin });
    expect(saved.body.versions[0].definition).toMatchObject({ client_rebates: 'off', countries: ['AU'] });
    await page.getByLabel('Policy (JSON)').fill('{"policy_id": "asic-au", "name": "ASIC", "countries": ["AU"], "per_trade_cap": "5"}');
    await page.getByRole('button', { name: 'Save new version' }).click();
    await page.getByRole('alert', { name: 'Problems in the policy' }).getByText('is required when the policy sets a cap').waitFor();
    expect(appErrors(consoleErrors).filter((e) => !/status of 422/.test(e))).toEqual([]);
    await context.close();
  });

  it('a partner gets a material with its tracking link and submits a promotion; the officer rejects it with a reason', async () => {
    const portal = await signIn('portal', 'kook@example.com', 'Dashboard');
    await portal.page.getByRole('link', { name: 'Marketing' }).click();
    await portal.page.getByRole('heading', { name: 'Marketing' }).waitFor();
    await settled(portal.page);
    await portal.page.getByRole('button', { name: 'Get my code' }).click();
    const code = portal.page.getByLabel('Code to paste');
    await expect.poll(() => code.inputValue()).toMatch(/^Open an account: http:\/\/127\.0\.0\.1:\d+\/l\/\w+\. CFDs carry a high risk\.$/);
    await portal.page.getByRole('button', { name: 'Close Your code for Risk-warned post' }).click();
    await portal.page.getByRole('button', { name: 'Submit a promotion' }).click();
    await portal.page.getByLabel('Title').fill('Facebook group post');
    await portal.page.getByLabel('Address').fill('https://facebook.example/groups/fx/1');
    await portal.page.getByRole('button', { name: 'Submit for approval' }).click();
    await portal.page.getByRole('region', { name: 'My promotions' }).getByText('Facebook group post').waitFor();
    await browser.screenshot(portal.page, 'portal-marketing');

    const { page, consoleErrors, context } = await signIn('admin', 'compliance@example.com', 'Overview');
    await page.getByRole('link', { name: 'Marketing' }).click();
    await page.getByRole('heading', { name: 'Marketing' }).waitFor();
    const row = page.getByRole('region', { name: 'Promotions' }).locator('tr', { hasText: 'Facebook group post' });
    await row.getByRole('button', { name: 'Reject' }).click();
    await page.getByLabel('Reason (shown to the partner)').fill('No risk warning');
    await page.getByRole('region', { name: 'Reject Facebook group post' }).getByRole('button', { name: 'Reject', exact: true }).click();
    await expect.poll(async () => (await t.call('GET', `/api/v1/partners/${partnerId}/marketing/submissions`, { token: admin })).body.data[0]?.status).toBe('rejected');
    await browser.screenshot(page, 'admin-marketing');
    await portal.page.reload();
    await portal.page.getByRole('region', { name: 'My promotions' }).getByText('No risk warning').waitFor();
    expect(appErrors(consoleErrors)).toEqual([]);
    expect(appErrors(portal.consoleErrors)).toEqual([]);
    await context.close();
    await portal.context.close();
  });
});
