import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { appErrors, builtWebApp, overflowing, settled } from './support.ts';

let t: TestServer;
let browser: TestBrowser;
let admin: string;

beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer();
  admin = await t.token();
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const PASSWORD = 'a-long-portal-password';

describe('partner portal in a browser', () => {
  it('signs up through a recruit link, creates a link, and watches the dashboard update live', async () => {
    // A master IB with a recruit link leading to the portal's sign-up page.
    const master = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Master IB', email: 'master@example.com' } });
    expect(master.status).toBe(201);
    const recruit = await t.call('POST', `/api/v1/partners/${master.body.partner_id}/links`, {
      token: admin,
      body: { kind: 'recruit', destination_url: `${t.url}/portal/sign-up`, label: 'Recruit' },
    });
    expect(recruit.status).toBe(201);

    const { page, consoleErrors, context } = await browser.newPage();
    await page.goto(`${t.url}/l/${recruit.body.code}`);
    await page.waitForURL(/\/portal\/sign-up\?/);
    await expect.poll(() => page.getByLabel('Invitation code (optional)').inputValue()).toMatch(/\S+/);
    await page.getByLabel('Your name or company').fill('Nova Sub-IB');
    await page.getByLabel('Email').fill('nova@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await browser.screenshot(page, 'portal-sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    const me = (await page.evaluate(async () => (await fetch('/api/v1/me')).json())) as { data: { user: { partner_id: string } } };
    const partnerId: string = me.data.user.partner_id;
    const created = await t.call('GET', `/api/v1/partners/${partnerId}`, { token: admin });
    expect(created.body.parent_id).toBe(master.body.partner_id);

    // A client link, created in the portal.
    await page.getByRole('link', { name: 'Links' }).click();
    await page.getByRole('button', { name: 'New link' }).click();
    await page.getByLabel('Name (for you)').fill('Telegram channel');
    await page.getByLabel('Destination URL').fill('https://broker.example/register');
    await page.getByRole('button', { name: 'Create link' }).click();
    const row = page.locator('tr[data-link]', { hasText: 'Telegram channel' });
    await row.waitFor();
    const code = await row.getAttribute('data-link');
    expect(code).toBeTruthy();
    await browser.screenshot(page, 'portal-links');

    // The dashboard, connected to the live stream.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await settled(page);
    await page.getByText(/^Live/).waitFor();
    const kpi = (metric: string) => page.locator(`[data-kpi="${metric}"] .kpi-value`);
    expect(await kpi('registrations').textContent()).toBe('0');

    // A click, a registration with its click id, a deposit and trades, pushed by the broker's integration.
    const integration = await t.token(['customers:write', 'transactions:write', 'activity:write']);
    const click = await fetch(`${t.url}/l/${code}`, { redirect: 'manual' });
    const clickId = new URL(click.headers.get('location')!).searchParams.get('click_id');
    expect(clickId).toBeTruthy();
    await new Promise((r) => setTimeout(r, 1500)); // the click buffer writes clicks about every second
    const now = new Date().toISOString();
    const today = now.slice(0, 10);
    const pushed = [
      await t.call('POST', '/api/v1/forex/customers', { token: integration, body: [{ customer_id: 'WEB-C1', signup_date: now, affiliate_id: '', click_id: clickId, kyc_status_id: 'approved', first_name: 'Ada', email: 'ada@example.com' }] }),
      await t.call('POST', '/api/v1/forex/transactions', {
        token: integration,
        body: [{ transaction_id: 'WEB-T1', customer_id: 'WEB-C1', transaction_type: 'deposit', amount: '1234.56', currency: 'USD', status: 'approved', transaction_date: now }],
      }),
      await t.call('POST', '/api/v1/forex/trading-activity', { token: integration, body: [{ customer_id: 'WEB-C1', date: today, instrument: 'EURUSD', currency: 'USD', lots_traded: '2.5' }] }),
    ];
    for (const p of pushed) expect(p.status, p.text).toBeLessThan(300);

    // No reload: the numbers arrive over server-sent events.
    await expect.poll(() => kpi('registrations').textContent(), { timeout: 30_000 }).toBe('1');
    // Compact on the card, exact in its title.
    await expect.poll(() => kpi('net_deposits').textContent(), { timeout: 30_000 }).toMatch(/^US\$1\.23k$/i);
    expect(await kpi('net_deposits').getAttribute('title')).toBe('US$1,234.56');
    await expect.poll(() => kpi('lots').textContent(), { timeout: 30_000 }).toBe('2.5');
    await browser.screenshot(page, 'portal-dashboard');
    expect(appErrors(consoleErrors)).toEqual([]);
    await context.close();
  }, 180_000);

  it('shows KPI figures compact with the exact value in the title, and honest change labels', async () => {
    const partner = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Figures Partner', email: 'figures@example.com' } });
    const partnerId = partner.body.partner_id as string;
    const login = await t.call('POST', `/api/v1/partners/${partnerId}/portal-users`, { token: admin, body: { email: 'figures@example.com', password: PASSWORD } });
    expect(login.status, login.text).toBe(201);
    const affiliate = (await t.call('GET', `/api/v1/partners/${partnerId}`, { token: admin })).body.affiliate_id;
    const now = new Date().toISOString();
    const today = now.slice(0, 10);
    const pushed = [
      await t.call('POST', '/api/v1/forex/customers', { token: admin, body: [{ customer_id: 'FIG-C1', signup_date: now, affiliate_id: affiliate }] }),
      await t.call('POST', '/api/v1/forex/transactions', {
        token: admin,
        body: [{ transaction_id: 'FIG-T1', customer_id: 'FIG-C1', transaction_type: 'deposit', amount: '424123.455', currency: 'USD', status: 'approved', transaction_date: now }],
      }),
      await t.call('POST', '/api/v1/forex/trading-activity', { token: admin, body: [{ customer_id: 'FIG-C1', date: today, instrument: 'EURUSD', currency: 'USD', lots_traded: '12345.67' }] }),
    ];
    for (const p of pushed) expect(p.status, p.text).toBeLessThan(300);

    const { page, consoleErrors, context } = await browser.newPage({ width: 360, height: 740 });
    await page.goto(`${t.url}/portal/`);
    await page.getByLabel('Email').fill('figures@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await settled(page);
    const kpi = (metric: string) => page.locator(`[data-kpi="${metric}"] .kpi-value`);
    const change = (metric: string) => page.locator(`[data-kpi="${metric}"] .kpi-change`);
    await expect.poll(() => kpi('net_deposits').textContent(), { timeout: 30_000 }).toMatch(/^US\$424k$/i);
    expect(await kpi('net_deposits').getAttribute('title')).toMatch(/^US\$424,123\.4\d+$/);
    await expect.poll(() => kpi('lots').textContent()).toMatch(/^12\.3k$/i);
    expect(await kpi('lots').getAttribute('title')).toBe('12,345.67');
    // From nothing in the previous period to something is "new"; nothing to nothing is "no change", not good news.
    expect(await change('net_deposits').getAttribute('data-tone')).toBe('new');
    expect(await change('net_deposits').textContent()).toMatch(/^new vs previous 30 days$/);
    expect(await change('clicks').getAttribute('data-tone')).toBe('flat');
    expect(await change('clicks').textContent()).toMatch(/^no change/);
    // Every figure stays on one line inside its card at 360 px.
    const wrapped = await page.evaluate(() =>
      [...(globalThis as any).document.querySelectorAll('.kpi-value')].filter((e: any) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().height > 40).map((e: any) => e.textContent),
    );
    expect(wrapped).toEqual([]);
    await browser.screenshot(page, 'portal-dashboard-figures-360');
    expect(appErrors(consoleErrors)).toEqual([]);
    await context.close();
  }, 120_000);

  it('expands the sub-IB tree one level at a time and shows where clients stand against the CPA', async () => {
    const make = async (name: string, parent?: string) => (await t.call('POST', '/api/v1/partners', { token: admin, body: { name, ...(parent ? { parent_id: parent } : {}) } })).body.partner_id as string;
    const top = await make('Tree Top');
    const mid = await make('Tree Middle', top);
    await make('Tree Leaf', mid);
    const login = await t.call('POST', `/api/v1/partners/${top}/portal-users`, { token: admin, body: { email: 'tree@example.com', password: PASSWORD } });
    expect(login.status, login.text).toBe(201);
    const plan = { plan_id: 'web-cpa', name: 'Web CPA', currency: 'USD', rules: [{ type: 'cpa', amount: '250', min_first_deposit: '100', ftd_window_hours: 24, min_lots: '5', qualify_within_days: 30, require_kyc: false }] };
    expect((await t.call('POST', '/api/v1/plans', { token: admin, body: plan })).status).toBe(201);
    expect((await t.call('POST', `/api/v1/partners/${top}/plan`, { token: admin, body: { plan_id: 'web-cpa', effective_from: '2020-01-01' } })).status).toBe(200);
    const affiliate = (await t.call('GET', `/api/v1/partners/${top}`, { token: admin })).body.affiliate_id;
    const now = new Date().toISOString();
    await t.call('POST', '/api/v1/forex/customers', { token: admin, body: [{ customer_id: 'WEB-CPA-1', signup_date: now, affiliate_id: affiliate }] });
    await t.call('POST', '/api/v1/forex/transactions', { token: admin, body: [{ transaction_id: 'WEB-CPA-D', customer_id: 'WEB-CPA-1', transaction_type: 'deposit', amount: '150', currency: 'USD', status: 'approved', transaction_date: now }] });

    const { page, consoleErrors, context } = await browser.newPage();
    await page.goto(`${t.url}/portal/`);
    await page.getByLabel('Email').fill('tree@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.goto(`${t.url}/portal/team`);
    const tree = page.getByRole('tree', { name: 'Sub-IB tree' });
    await tree.getByText('Tree Middle').waitFor();
    expect(await tree.getByText('Tree Leaf').count()).toBe(0); // the second level is not loaded yet
    await tree.getByRole('button', { name: 'Expand Tree Middle' }).click();
    await tree.getByText('Tree Leaf').waitFor();
    await browser.screenshot(page, 'portal-tree-expanded');

    await page.goto(`${t.url}/portal/clients`);
    const cpa = page.getByRole('region', { name: 'CPA progress' });
    await cpa.getByText('WEB-CPA-1').waitFor();
    expect(await cpa.textContent()).toMatch(/0 of 5 lots/);
    expect(await cpa.getByRole('button', { name: /pending \(1\)/ }).count()).toBe(1);
    expect(appErrors(consoleErrors)).toEqual([]);
    await context.close();
  }, 120_000);

  it('renders every portal page at 1280 px and at 360 px without console errors', async () => {
    const partner = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Screens Partner', email: 'screens@example.com' } });
    const user = await t.call('POST', `/api/v1/partners/${partner.body.partner_id}/portal-users`, { token: admin, body: { email: 'screens@example.com', password: PASSWORD } });
    expect(user.status, user.text).toBe(201);
    const pages = [
      ['dashboard', '/portal/', 'Dashboard'],
      ['clients', '/portal/clients', 'Clients'],
      ['tree', '/portal/team', 'Sub-IB tree'],
      ['links', '/portal/links', 'Links'],
      ['earnings', '/portal/earnings', 'Earnings'],
      ['statements', '/portal/statements', 'Statements & payouts'],
      ['postbacks', '/portal/postbacks', 'Postbacks'],
      ['profile', '/portal/profile', 'Profile'],
    ] as const;
    for (const width of [1280, 360]) {
      const { page, consoleErrors, context } = await browser.newPage({ width, height: width > 400 ? 900 : 740 });
      await page.goto(`${t.url}/portal/`);
      await page.getByLabel('Email').fill('screens@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      if (width === 1280) await browser.screenshot(page, 'portal-sign-in');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      for (const [name, path, title] of pages) {
        await page.goto(`${t.url}${path}`);
        await page.getByRole('heading', { name: title, exact: true }).waitFor();
        await settled(page);
        expect(await page.locator('.state-error').count(), `${name} shows an error`).toBe(0);
        // Nothing wider than the screen except inside scrollable tables.
        if (width === 360) expect(await overflowing(page), name).toEqual([]);
        await browser.screenshot(page, width === 1280 ? `portal-${name}` : `portal-${name}-360`);
      }
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
  }, 240_000);
});
