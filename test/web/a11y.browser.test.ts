import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEMO_ADMIN_LOGINS, DEMO_PORTAL_LOGINS } from '../../src/web-auth/demo.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { seriousViolations, withAxe } from './axe.ts';
import { appErrors, builtWebApp, settled } from './support.ts';

let t: TestServer;
let browser: TestBrowser;

// The demo data fills every page (plans, payouts in several states, a tree, webhooks), so axe-core sees each page with content.
beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer({ OPENIB_DEMO: '1' });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const ADMIN_PAGES = [
  ['/admin/', 'Overview'],
  ['/admin/partners', 'Partners'],
  ['/admin/plans', 'Plans'],
  ['/admin/customers', 'Customers'],
  ['/admin/periods', 'Periods'],
  ['/admin/payouts', 'Payouts'],
  ['/admin/reconciliation', 'Reconciliation'],
  ['/admin/webhooks', 'Webhooks'],
  ['/admin/connectors', 'Connectors & imports'],
  ['/admin/api-clients', 'API clients'],
  ['/admin/audit-log', 'Audit log'],
] as const;
const PORTAL_PAGES = [
  ['/portal/', 'Dashboard'],
  ['/portal/clients', 'Clients'],
  ['/portal/team', 'Sub-IB tree'],
  ['/portal/links', 'Links'],
  ['/portal/earnings', 'Earnings'],
  ['/portal/statements', 'Statements & payouts'],
  ['/portal/postbacks', 'Postbacks'],
  ['/portal/profile', 'Profile'],
] as const;

async function signIn(page: Page, area: 'admin' | 'portal', login: { email: string; password: string }, heading: string) {
  await page.goto(`${t.url}/${area}/`);
  await page.getByLabel('Email').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: heading, exact: true }).waitFor();
}

describe('accessibility of every page (axe-core)', () => {
  it('finds no serious or critical violation on any admin or portal page, at 1440 and at 390 px', async () => {
    const found: string[] = [];
    for (const width of [1440, 390]) {
      const { page, consoleErrors, context } = await browser.newPage({ width, height: width > 400 ? 900 : 844 });
      await withAxe(context);
      for (const area of ['admin', 'portal'] as const) {
        await page.goto(`${t.url}/${area}/`);
        await page.getByRole('button', { name: 'Sign in' }).waitFor();
        for (const v of await seriousViolations(page)) found.push(`${width} ${area} sign-in: ${v}`);
      }
      await signIn(page, 'admin', DEMO_ADMIN_LOGINS[0]!, 'Overview');
      for (const [path, title] of ADMIN_PAGES) {
        await page.goto(`${t.url}${path}`);
        await page.getByRole('heading', { name: title, exact: true }).waitFor();
        await settled(page);
        for (const v of await seriousViolations(page)) found.push(`${width} ${path}: ${v}`);
      }
      await page.getByRole('button', { name: 'Sign out' }).click();
      await signIn(page, 'portal', DEMO_PORTAL_LOGINS[0]!, 'Dashboard');
      for (const [path, title] of PORTAL_PAGES) {
        await page.goto(`${t.url}${path}`);
        await page.getByRole('heading', { name: title, exact: true }).waitFor();
        await settled(page);
        for (const v of await seriousViolations(page)) found.push(`${width} ${path}: ${v}`);
      }
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
    expect(found).toEqual([]);
  }, 300_000);
});
