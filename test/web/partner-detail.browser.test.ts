import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutSteps } from '../../src/payouts/test-support.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { seriousViolations, withAxe } from './axe.ts';
import { appErrors, builtWebApp, overflowing, settled } from './support.ts';

let t: TestServer;
let browser: TestBrowser;
let admin: string;
let atlas: string;
let zenith: string;
let nova: string;
const PASSWORD = 'a-long-admin-password';

beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token();
  expect((await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email: 'manager@example.com', name: 'Manager', role: 'admin', password: PASSWORD } })).status).toBe(201);
  const p = payoutSteps(t, admin);
  atlas = await p.partner('ATLAS', { name: 'Atlas Master' });
  zenith = await p.partner('ZENITH', { name: 'Zenith Master' });
  // A sub-IB of Atlas on a per-lot plan, with a client who traded, a portal login and a link.
  nova = await p.earner('NOVA', '10', { name: 'Nova Sub-IB', parent_id: atlas });
  await p.lots('NOVA', '3', '2026-03-10');
  await p.run('2026-03-01', '2026-03-31');
  expect((await t.call('POST', `/api/v1/partners/${nova}/portal-users`, { token: admin, body: { email: 'nova@example.com', password: 'a-long-portal-password' } })).status).toBe(201);
  await p.ok('POST', `/api/v1/partners/${nova}/links`, { destination_url: 'https://broker.example/register', label: 'Nova YouTube' });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('a partner detail page in the admin console', () => {
  it('shows a partner whole (figures, plan history, tree, ledger, statements, logins, links) and moves it under a parent found by name', async () => {
    for (const width of [1440, 390]) {
      const { page, consoleErrors, context } = await browser.newPage({ width, height: 900 });
      await withAxe(context);
      await page.goto(`${t.url}/admin/partners`);
      await page.getByLabel('Email').fill('manager@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Partners', exact: true }).waitFor();
      await settled(page);
      await page.getByRole('link', { name: 'Nova Sub-IB' }).click();
      await page.getByRole('heading', { name: 'Nova Sub-IB', exact: true }).waitFor();
      await settled(page);
      expect(await page.locator('[data-kpi="lots"]').count()).toBe(1);
      expect(await page.getByRole('region', { name: 'Ledger entries' }).locator('tbody tr').count()).toBe(1);
      expect(await page.getByRole('region', { name: 'Ledger entries' }).locator('tbody tr td').last().textContent()).toBe('US$30.00');
      await page.getByText('p-NOVA').waitFor();
      await page.getByText('nova@example.com').waitFor();
      await page.getByText('Nova YouTube').waitFor();
      if (width === 390) expect(await overflowing(page)).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      await browser.screenshot(page, width === 1440 ? 'admin-partner-detail' : 'admin-partner-detail-390');
      if (width === 1440) {
        await expect.poll(() => page.locator('[data-parent]').textContent(), { timeout: 15_000 }).toBe('Atlas Master');
        // Move it under Zenith, found by typing part of its name.
        await page.getByRole('button', { name: 'Move in the tree…' }).click();
        await page.getByLabel('New parent').fill('Zen');
        await page.getByRole('button', { name: /Zenith Master/ }).click();
        await page.locator(`[data-picked="${zenith}"]`).waitFor();
        expect(await seriousViolations(page)).toEqual([]);
        await browser.screenshot(page, 'admin-partner-move');
        await page.getByRole('button', { name: 'Move partner' }).click();
        await expect.poll(() => page.locator('[data-parent]').textContent(), { timeout: 15_000 }).toBe('Zenith Master');
        expect((await t.call('GET', `/api/v1/partners/${nova}`, { token: admin })).body.parent_id).toBe(zenith);
      }
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
  }, 240_000);
});
