import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { partnerApi } from '../helpers/partners.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { seriousViolations } from './axe.ts';
import { adminLogin, appErrors, builtWebApp, type Login, overflowing, settled, signedIn } from './support.ts';

let t: TestServer;
let browser: TestBrowser;
let manager: Login;

beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer();
  const admin = await t.token();
  manager = await adminLogin(t, admin, 'customers-desk@example.com');
  const api = partnerApi(t, admin);
  await api.partner({ name: 'Harbor Capital', affiliate_id: 'CL-HARBOR' });
  await api.partner({ name: 'Summit FX', affiliate_id: 'CL-SUMMIT' });
  await api.customers([
    { customer_id: 'CL-H1', signup_date: '2026-02-01T00:00:00Z', affiliate_id: 'CL-HARBOR', country_code: 'DE', kyc_status_id: 'approved', first_name: 'Hanna', last_name: 'Weiss', email: 'hanna.weiss@example.com' },
    { customer_id: 'CL-H2', signup_date: '2026-02-02T00:00:00Z', affiliate_id: 'CL-HARBOR', country_code: 'FR', kyc_status_id: 'pending' },
    { customer_id: 'CL-S1', signup_date: '2026-02-03T00:00:00Z', affiliate_id: 'CL-SUMMIT', country_code: 'DE', kyc_status_id: 'pending' },
  ]);
  // A later claim by another partner: stored as a conflict to decide, nobody moves.
  await api.customer('CL-H2', { affiliate_id: 'CL-SUMMIT', last_modified_date: new Date(Date.now() + 60_000).toISOString() });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('the customer list in the console', () => {
  it('finds customers by country, owner (picked by name), KYC status and whole email, links to the owner, and reassigns one to a partner found by name', async () => {
    for (const width of [390, 1440]) {
      const { page, consoleErrors, context } = await signedIn(browser, t.url, 'admin', manager, { width, axe: true });
      await page.goto(`${t.url}/admin/customers`);
      await page.getByRole('heading', { name: 'Customers', exact: true }).waitFor();
      await settled(page);
      const search = page.getByRole('search', { name: 'Find customers' });
      const found = () => page.locator('[data-customer]').evaluateAll((rows) => rows.map((r) => (r as any).dataset.customer));

      // Everyone, newest first, each with the partner that owns it now.
      expect(await found()).toEqual(['CL-S1', 'CL-H2', 'CL-H1']);
      expect(await page.locator('[data-customer="CL-H1"]').innerText()).toContain('Harbor Capital');

      await search.getByLabel('Country').fill('de');
      await search.getByRole('button', { name: 'Search' }).click();
      await expect.poll(found).toEqual(['CL-S1', 'CL-H1']);

      await search.getByLabel('Country').fill('');
      await search.getByLabel('Owned by partner').fill('Harb');
      await search.getByRole('button', { name: /Harbor Capital/ }).click();
      await search.getByLabel('KYC status').selectOption('pending');
      await search.getByRole('button', { name: 'Search' }).click();
      await expect.poll(found).toEqual(['CL-H2']);

      // A whole email is found through its keyed hash; nothing else narrows the search then.
      await search.getByRole('button', { name: 'Change owned by partner' }).click();
      await search.getByLabel('KYC status').selectOption('');
      await search.getByLabel('Email (whole address)').fill('Hanna.Weiss@example.com');
      await search.getByRole('button', { name: 'Search' }).click();
      await expect.poll(found).toEqual(['CL-H1']);
      expect(await page.locator('[data-customer="CL-H1"]').innerText()).toContain('Hanna Weiss');

      if (width === 390) expect(await overflowing(page)).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      await browser.screenshot(page, `admin-customers-${width}`);

      if (width === 1440) {
        // Reassign by picking the new partner by name (no raw ids), then see the new owner in the list.
        await search.getByLabel('Email (whole address)').fill('');
        await search.getByRole('button', { name: 'Search' }).click();
        await expect.poll(found).toEqual(['CL-S1', 'CL-H2', 'CL-H1']);
        await page.getByRole('button', { name: 'Attribution of CL-S1' }).click();
        const form = page.getByRole('form', { name: 'Reassign customer' });
        await form.getByLabel('New partner').fill('Harbor');
        await form.getByRole('button', { name: /Harbor Capital/ }).click();
        await form.getByLabel('Reason').fill('Client moved to the Harbor desk');
        await form.getByRole('button', { name: 'Reassign' }).click();
        await form.getByRole('status').filter({ hasText: 'Reassigned to Harbor Capital' }).waitFor();
        await search.getByRole('button', { name: 'Search' }).click();
        await expect.poll(() => page.locator('[data-customer="CL-S1"]').innerText()).toContain('Harbor Capital');
      }

      // The owner's name leads to its partner page.
      await page.locator('[data-customer="CL-H1"]').getByRole('link', { name: 'Harbor Capital' }).click();
      await page.getByRole('heading', { name: 'Harbor Capital', exact: true }).waitFor();
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
  }, 240_000);

  it('decides an attribution conflict in a dialog that names both partners, keeps focus inside it and gives it back', async () => {
    for (const width of [390, 1440]) {
      const { page, consoleErrors, context } = await signedIn(browser, t.url, 'admin', manager, { width, axe: true });
      await page.goto(`${t.url}/admin/customers`);
      await page.getByRole('heading', { name: 'Customers', exact: true }).waitFor();
      await settled(page);
      const conflicts = page.getByRole('region', { name: 'Open conflicts' });
      const row = conflicts.locator('tbody tr', { hasText: 'CL-H2' });
      expect(await row.innerText()).toMatch(/Harbor Capital[\s\S]*Summit FX/); // owner, then claimant, by name

      const opener = row.getByRole('button', { name: 'Decide on CL-H2' });
      await opener.click();
      const dialog = page.getByRole('dialog', { name: 'Claim on customer CL-H2' });
      await dialog.waitFor();
      expect(await dialog.innerText()).toMatch(/Summit FX claims this customer[\s\S]*belongs to Harbor Capital/);
      // Focus is inside and stays inside, however far one tabs.
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
        expect(await page.evaluate(() => Boolean((globalThis as any).document.activeElement?.closest('dialog')))).toBe(true);
      }
      expect(await seriousViolations(page)).toEqual([]);
      await browser.screenshot(page, `admin-conflict-dialog-${width}`);

      if (width === 390) {
        // Escape closes it without deciding, and focus goes back to the button that opened it.
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
        expect(await opener.evaluate((el) => el === (globalThis as any).document.activeElement)).toBe(true);
      } else {
        // A reason is required; then the customer moves to the claimant.
        await dialog.getByLabel('Move to Summit FX').check();
        await dialog.getByRole('button', { name: 'Move to Summit FX' }).click();
        expect(await dialog.getByLabel('Reason').evaluate((el) => (el as any).validity.valid)).toBe(false);
        await dialog.getByLabel('Reason').fill('Summit showed the signed introduction');
        await dialog.getByRole('button', { name: 'Move to Summit FX' }).click();
        await dialog.waitFor({ state: 'detached' });
        await expect.poll(() => conflicts.locator('tbody tr', { hasText: 'CL-H2' }).count()).toBe(0);
        await page.getByRole('search', { name: 'Find customers' }).getByRole('button', { name: 'Search' }).click();
        await expect.poll(() => page.locator('[data-customer="CL-H2"]').innerText()).toContain('Summit FX');
        expect(await opener.count()).toBe(0);
      }
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
  }, 240_000);
});
