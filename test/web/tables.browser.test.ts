import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutSteps } from '../../src/payouts/test-support.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { seriousViolations } from './axe.ts';
import { adminLogin, appErrors, builtWebApp, type Login, overflowing, portalLogin, settled, signedIn } from './support.ts';

let t: TestServer;
let browser: TestBrowser;
let admin: string;
let manager: Login;
let partnerLogin: Login;
let statements: { period: string; amount_payable: string; carried_forward: string; currency: string; status: string }[];

beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer({ OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token();
  manager = await adminLogin(t, admin, 'tables@example.com');
  const p = payoutSteps(t, admin);
  // Partners whose names sort differently by case and by number; one earns in two closed months with sub-cent rates.
  const earner = await p.earner('TBL-ORION', '1.2345', { name: 'Orion Markets', country: 'DE' });
  await p.partner('TBL-ALPHA', { name: 'alpha traders', country: 'GB' });
  await p.partner('TBL-ZED', { name: 'Zed Capital 10', country: 'CY' });
  await p.partner('TBL-ZED2', { name: 'Zed Capital 9', country: 'CY' });
  await p.lots('TBL-ORION', '3', '2026-03-10');
  await p.lots('TBL-ORION', '7', '2026-04-10');
  await p.run('2026-03-01', '2026-04-30');
  await p.close('2026-03');
  await p.payoutRun('2026-03');
  await p.close('2026-04');
  await p.payoutRun('2026-04');
  partnerLogin = await portalLogin(t, admin, earner, 'orion@example.com');
  statements = (await t.call('GET', `/api/v1/statements?partner_id=${earner}`, { token: admin })).body.data;
  expect(statements.length).toBe(2);
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** The text of one column of a table's body rows, in order. */
const column = (page: Page, table: string, index: number) =>
  page.getByRole('region', { name: table }).locator(`tbody tr td:nth-child(${index})`).allInnerTexts();

/** Clicks the export button and answers the CSV it saved, parsed into rows of cells. */
async function exported(page: Page, table: string): Promise<string[][]> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Export CSV: ${table}` }).click()]);
  const text = await readFile((await download.path())!, 'utf8');
  return text
    .trim()
    .split('\r\n')
    .map((line) => line.split(','));
}

/**
 * Sorts a table by a column: its heading at desktop width (a click sorts ascending, a second descending), the "Sort by"
 * menu on a phone, where rows are cards and the headings are not shown.
 */
async function sortBy(page: Page, header: string, direction: 'asc' | 'desc', id: string) {
  if (page.viewportSize()!.width <= 640) {
    await page.getByLabel('Sort by').selectOption(`${id}:${direction}`);
    return;
  }
  const heading = page.getByRole('button', { name: header, exact: true });
  const want = direction === 'asc' ? 'ascending' : 'descending';
  const th = page.locator('th', { has: heading });
  // A click sorts ascending, the next one descending.
  while ((await th.getAttribute('aria-sort')) !== want) await heading.click();
}

/** Every button of a table lies inside the viewport (none pushed off-screen on a phone). */
async function buttonsOnScreen(page: Page, table: string): Promise<string[]> {
  const width = page.viewportSize()!.width;
  const off: string[] = [];
  for (const button of await page.getByRole('region', { name: table }).locator('tbody').getByRole('button').all()) {
    const box = await button.boundingBox();
    if (!box || box.x < 0 || box.x + box.width > width + 1) off.push(await button.innerText());
  }
  return off;
}

describe('lists sort, filter and export what they show', () => {
  it('the console partner list sorts by a column, filters by any text and exports the rows shown', async () => {
    for (const width of [1440, 390]) {
      const { page, consoleErrors, context } = await signedIn(browser, t.url, 'admin', manager, { width, axe: true });
      await page.goto(`${t.url}/admin/partners`);
      await page.getByRole('heading', { name: 'Partners', exact: true }).waitFor();
      await settled(page);
      const names = () => page.getByRole('region', { name: 'Partners' }).locator('tbody tr a.strong').allInnerTexts();

      // Sorting by name ignores case and reads numbers as numbers; a second click reverses it.
      await sortBy(page, 'Partner', 'asc', 'name');
      const ascending = await names();
      expect(ascending.filter((n) => /alpha|Zed|Orion/.test(n))).toEqual(['alpha traders', 'Orion Markets', 'Zed Capital 9', 'Zed Capital 10']);
      expect(await page.locator('th[aria-sort="ascending"]').getAttribute('scope')).toBe('col');
      await sortBy(page, 'Partner', 'desc', 'name');
      expect((await names()).filter((n) => /alpha|Zed|Orion/.test(n))).toEqual(['Zed Capital 10', 'Zed Capital 9', 'Orion Markets', 'alpha traders']);

      // The filter matches any column's value, including ones only exported (the email and id), and says how many rows match.
      await page.getByLabel('Filter').fill('cy');
      await page.getByText(/^2 of \d+ rows$/).waitFor();
      expect(await names()).toEqual(['Zed Capital 10', 'Zed Capital 9']);

      if (width === 390) {
        expect(await buttonsOnScreen(page, 'Partners')).toEqual([]);
        expect(await overflowing(page)).toEqual([]);
      }
      expect(await seriousViolations(page)).toEqual([]);
      await browser.screenshot(page, `table-admin-partners-${width}`);

      // The export holds exactly the rows shown, in the order shown, with stable column ids as headings.
      const csv = await exported(page, 'Partners');
      expect(csv[0]).toEqual(['name', 'partner_id', 'email', 'status', 'parent_id', 'country', 'created_at']);
      expect(csv.slice(1).map((r) => [r[0], r[5]])).toEqual([
        ['Zed Capital 10', 'CY'],
        ['Zed Capital 9', 'CY'],
      ]);
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
  }, 180_000);

  it('the portal statements sort by amount exactly and export money as exact decimal strings', async () => {
    const [small, large] = [...statements].sort((a, b) => Number(a.amount_payable) - Number(b.amount_payable)); // test data only
    for (const width of [1440, 390]) {
      const { page, consoleErrors, context } = await signedIn(browser, t.url, 'portal', partnerLogin, { width, axe: true });
      await page.goto(`${t.url}/portal/statements`);
      await page.getByRole('heading', { name: 'Statements & payouts', exact: true }).waitFor();
      await settled(page);

      await sortBy(page, 'Payable', 'asc', 'amount_payable');
      expect(await column(page, 'Statements', 1)).toEqual([expect.stringContaining(small!.period === '2026-03' ? 'March 2026' : 'April 2026'), expect.stringContaining(large!.period === '2026-03' ? 'March 2026' : 'April 2026')]);
      await sortBy(page, 'Payable', 'desc', 'amount_payable');
      const csv = await exported(page, 'Statements');
      expect(csv[0]).toEqual(['period', 'status', 'currency', 'amount_payable', 'carried_forward', 'paid_on', 'paid_reference']);
      // Money leaves as the API's decimal strings, untouched by formatting (no currency sign, no grouping, no float).
      expect(csv.slice(1)).toEqual([large, small].map((s) => [s!.period, s!.status, s!.currency, s!.amount_payable, s!.carried_forward, '', '']));

      await page.getByLabel('Filter').fill('2026-04');
      await page.getByText(/^1 of 2 rows$/).waitFor();
      expect(await column(page, 'Statements', 1)).toEqual([expect.stringContaining('April 2026')]);

      if (width === 390) {
        expect(await buttonsOnScreen(page, 'Statements')).toEqual([]);
        expect(await overflowing(page)).toEqual([]);
      }
      expect(await seriousViolations(page)).toEqual([]);
      await browser.screenshot(page, `table-portal-statements-${width}`);
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
  }, 180_000);
});
