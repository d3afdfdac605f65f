import { readFile } from 'node:fs/promises';
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

  it('reports earnings by month and by client, newest entries first, with Explain, a status filter and a CSV export', async () => {
    const make = async (name: string, parent?: string) => (await t.call('POST', '/api/v1/partners', { token: admin, body: { name, ...(parent ? { parent_id: parent } : {}) } })).body.partner_id as string;
    const top = await make('Earnings Partner');
    const sub = await make('Earnings Sub', top);
    const plan = {
      plan_id: 'web-earn', name: 'Web per lot', currency: 'USD',
      rules: [{ type: 'per_lot', rates: [{ symbol: 'EURUSD', rate: '7.5' }] }],
      hierarchy: { mode: 'override', levels: [{ level: 1, per_lot: '1.5' }] },
    };
    expect((await t.call('POST', '/api/v1/plans', { token: admin, body: plan })).status).toBe(201);
    for (const p of [top, sub]) expect((await t.call('POST', `/api/v1/partners/${p}/plan`, { token: admin, body: { plan_id: 'web-earn', effective_from: '2020-01-01' } })).status).toBe(200);
    const login = await t.call('POST', `/api/v1/partners/${top}/portal-users`, { token: admin, body: { email: 'earnings@example.com', password: PASSWORD } });
    expect(login.status, login.text).toBe(201);
    const affiliate = async (id: string) => (await t.call('GET', `/api/v1/partners/${id}`, { token: admin })).body.affiliate_id;
    const today = new Date().toISOString().slice(0, 10);
    const earlier = new Date(Date.now() - 35 * 86_400_000).toISOString().slice(0, 10);
    await t.call('POST', '/api/v1/forex/customers', { token: admin, body: [{ customer_id: 'EARN-C1', signup_date: `${earlier}T08:00:00Z`, affiliate_id: await affiliate(top) }, { customer_id: 'EARN-C2', signup_date: `${earlier}T08:00:00Z`, affiliate_id: await affiliate(sub) }] });
    const activity = await t.call('POST', '/api/v1/forex/trading-activity', {
      token: admin,
      body: [
        { customer_id: 'EARN-C1', date: earlier, instrument: 'EURUSD', currency: 'USD', lots_traded: '2.33' },
        { customer_id: 'EARN-C1', date: today, instrument: 'EURUSD', currency: 'USD', lots_traded: '1' },
        { customer_id: 'EARN-C2', date: today, instrument: 'EURUSD', currency: 'USD', lots_traded: '4' },
      ],
    });
    expect(activity.status, activity.text).toBeLessThan(300);
    expect((await t.call('POST', '/api/v1/commissions/run', { token: admin, body: { from: earlier, to: today } })).status).toBe(200);

    const { page, consoleErrors, context } = await browser.newPage();
    await page.goto(`${t.url}/portal/`);
    await page.getByLabel('Email').fill('earnings@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('link', { name: 'Earnings' }).click();
    await page.getByRole('heading', { name: 'Earnings', exact: true }).waitFor();
    await settled(page);

    // 2.33 × 7.5 = 17.475 and 1 × 7.5 on the partner's own client, 4 × 1.5 as the override on its sub-IB's: 30.975, shown to the cent.
    const total = page.locator('[data-kpi="total-USD"] .kpi-value');
    await expect.poll(() => total.textContent(), { timeout: 30_000 }).toBe('US$30.98');
    expect(await total.getAttribute('title')).toBe('US$30.975');
    await page.getByRole('img', { name: 'Earned (USD) over time' }).waitFor();
    const months = page.getByRole('region', { name: 'Earnings by month' });
    expect(await months.locator('tbody tr').count()).toBeGreaterThanOrEqual(1);

    // By client, then that client's entries, newest first.
    await page.getByRole('group', { name: 'Group by' }).getByRole('button', { name: 'Client' }).click();
    const clients = page.getByRole('region', { name: 'Earnings by client' });
    expect(await clients.locator('tr[data-group-key="EARN-C1"] td').nth(2).textContent()).toBe('US$24.98');
    expect(await clients.locator('tr[data-group-key="EARN-C2"] td').nth(2).textContent()).toBe('US$6.00');
    await clients.getByRole('button', { name: 'Show entries of EARN-C1' }).click();
    const entries = page.getByRole('region', { name: 'Ledger entries' });
    await expect.poll(() => entries.locator('tbody tr').count()).toBe(2);
    const amounts = await entries.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(amounts).toEqual(['US$7.50', 'US$17.48']);
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await browser.screenshot(page, 'portal-earnings-report');

    // The exact figure is one click away.
    await entries.getByRole('button', { name: /Explain US\$17\.48/ }).click();
    await page.getByRole('heading', { name: 'How US$17.475 was computed' }).waitFor();
    await page.getByRole('button', { name: /^Close How/ }).click();

    // CSV of what is shown, exact.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv).toContain('17.475');
    expect(csv).not.toContain('EARN-C2');

    // Nothing is paid yet.
    await page.getByLabel('Status').selectOption('paid');
    await page.getByText('No earnings in this period.').waitFor();
    expect(appErrors(consoleErrors)).toEqual([]);
    await context.close();
  }, 180_000);

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
    expect(await cpa.getByRole('button', { name: /Pending \(1\)/ }).count()).toBe(1);
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
