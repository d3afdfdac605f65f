import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { DEMO_ADMIN_LOGINS, DEMO_PORTAL_LOGINS } from '../../src/web-auth/demo.ts';
import { appErrors, builtWebApp, settled } from './support.ts';

let t: TestServer;
let browser: TestBrowser;

// A fresh start with the demo data, as `npm start` does: the demo is dated back from the server's clock.
beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer({ OPENIB_DEMO: '1' });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const ZERO = /^(US\$|\$)?0(\.00)?$/;

describe('demo data in a browser', () => {
  it('shows the master IB activity in the last 30 days of its dashboard', async () => {
    const login = DEMO_PORTAL_LOGINS[0]!;
    const { page, consoleErrors, context } = await browser.newPage();
    await page.goto(`${t.url}/portal/`);
    await page.getByLabel('Email').fill(login.email);
    await page.getByLabel('Password').fill(login.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await settled(page);
    for (const metric of ['clicks', 'registrations', 'ftd_count', 'net_deposits', 'lots', 'commission_approved']) {
      const text = (await page.locator(`[data-kpi="${metric}"] .kpi-value`).textContent()) ?? '';
      expect(text, metric).not.toMatch(ZERO);
    }
    await browser.screenshot(page, 'demo-portal-dashboard');

    // Its earnings report: money in every month of the history, the newest entries first.
    await page.getByRole('link', { name: 'Earnings' }).click();
    await page.getByRole('heading', { name: 'Earnings', exact: true }).waitFor();
    await settled(page);
    expect(await page.locator('[data-kpi="total-USD"] .kpi-value').textContent()).not.toMatch(ZERO);
    const months = await page.getByRole('region', { name: 'Earnings by month' }).locator('tbody tr').count();
    expect(months).toBeGreaterThanOrEqual(4);
    const entryIds = await page.getByRole('region', { name: 'Ledger entries' }).locator('tbody tr').evaluateAll((rows) => rows.map((r: any) => r.getAttribute('data-entry')));
    expect(entryIds.length).toBeGreaterThan(0);
    await browser.screenshot(page, 'demo-portal-earnings');
    expect(appErrors(consoleErrors)).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows the broker activity in the last 30 days of the admin overview', async () => {
    const login = DEMO_ADMIN_LOGINS[0]!;
    const { page, consoleErrors, context } = await browser.newPage();
    await page.goto(`${t.url}/admin/`);
    await page.getByLabel('Email').fill(login.email);
    await page.getByLabel('Password').fill(login.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await settled(page);
    for (const metric of ['clicks', 'registrations', 'ftd_count', 'net_deposits', 'lots', 'commission_approved']) {
      const text = (await page.locator(`[data-kpi="${metric}"] .kpi-value`).textContent()) ?? '';
      expect(text, metric).not.toMatch(ZERO);
    }
    expect(await page.getByRole('region', { name: 'Top partners' }).locator('tbody tr').count()).toBeGreaterThan(0);
    await browser.screenshot(page, 'demo-admin-overview');
    expect(appErrors(consoleErrors)).toEqual([]);
    await context.close();
  }, 120_000);
});
