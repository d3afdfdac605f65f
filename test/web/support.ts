import type { BrowserContext, Page } from 'playwright-core';
import { ensureWebBuilt } from '../../src/web/build.ts';
import type { TestBrowser } from '../helpers/browser.ts';
import type { TestServer } from '../helpers/server.ts';
import { withAxe } from './axe.ts';

/** Builds web/dist when it is missing or older than web/src, as `openib start` does. */
export async function builtWebApp(): Promise<void> {
  if (!(await ensureWebBuilt((line) => process.stderr.write(`${line}\n`)))) throw new Error('the web app could not be built');
}

/**
 * Console errors that are not the app's: the browser logs every 4xx answer of fetch, and the one expected there is the
 * session probe (GET /api/v1/me → 401) on a sign-in page.
 */
export const appErrors = (errors: string[]) => errors.filter((e) => !/Failed to load resource: the server responded with a status of 401/.test(e));

/** Waits until a page has rendered its heading and finished loading its data. */
export async function settled(page: Page): Promise<void> {
  await page.locator('h1').first().waitFor({ timeout: 20_000 });
  // Functions, not strings: the pages' CSP forbids eval. The test's own TypeScript has no DOM types, hence globalThis.
  await page.waitForFunction(
    () => {
      const doc = (globalThis as any).document;
      return !doc.querySelector('.state-loading') && !doc.querySelector('.chart-placeholder');
    },
    undefined,
    { timeout: 20_000 },
  );
}

/** Elements that stick out past the right edge of the viewport, outside the horizontally scrollable tables. */
export function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const g = globalThis as any;
    return [...g.document.querySelectorAll('body *')]
      .filter((e: any) => !e.closest('.table-wrap') && e.getBoundingClientRect().right > g.innerWidth + 1)
      .map((e: any) => `${e.tagName.toLowerCase()}.${String(e.className)} → ${Math.round(e.getBoundingClientRect().right)} px`);
  });
}

/** The login a browser test signs in with. */
export interface Login {
  email: string;
  password: string;
}

/**
 * Opens a fresh page (own cookies and storage, console errors collected) and signs in through the sign-in form of the
 * portal or the console, then waits for the first page. `axe` injects axe-core so `seriousViolations` can run.
 */
export async function signedIn(
  browser: TestBrowser,
  baseUrl: string,
  area: 'portal' | 'admin',
  login: Login,
  opts: { width?: number; height?: number; axe?: boolean } = {},
): Promise<{ page: Page; context: BrowserContext; consoleErrors: string[] }> {
  const width = opts.width ?? 1280;
  const opened = await browser.newPage({ width, height: opts.height ?? (width > 400 ? 900 : 740) });
  if (opts.axe) await withAxe(opened.context);
  await opened.page.goto(`${baseUrl}/${area}/`);
  await opened.page.getByLabel('Email').fill(login.email);
  await opened.page.getByLabel('Password').fill(login.password);
  await opened.page.getByRole('button', { name: 'Sign in' }).click();
  await opened.page.getByRole('heading', { name: area === 'portal' ? 'Dashboard' : 'Overview', exact: true }).waitFor();
  return opened;
}

/** Creates an admin user through the API and answers its login. */
export async function adminLogin(t: TestServer, token: string, email: string, role: 'admin' | 'finance' | 'viewer' = 'admin'): Promise<Login> {
  const password = 'a-long-admin-password';
  const res = await t.call('POST', '/api/v1/admin-users', { token, body: { email, name: email.split('@')[0], role, password } });
  if (res.status !== 201) throw new Error(`admin user ${email}: ${res.status} ${res.text}`);
  return { email, password };
}

/** Creates a portal login for a partner through the API and answers it. */
export async function portalLogin(t: TestServer, token: string, partnerId: string, email: string): Promise<Login> {
  const password = 'a-long-portal-password';
  const res = await t.call('POST', `/api/v1/partners/${partnerId}/portal-users`, { token, body: { email, password } });
  if (res.status !== 201) throw new Error(`portal user ${email}: ${res.status} ${res.text}`);
  return { email, password };
}

/** Opens the menu on a phone-sized page (where the navigation is folded away) and follows a link of it. */
export async function goToPage(page: Page, link: string | RegExp, opts: { menu?: string; width?: number } = {}): Promise<void> {
  if ((opts.width ?? page.viewportSize()?.width ?? 1280) < 800) await page.getByRole('button', { name: opts.menu ?? 'Menu' }).click();
  await page.locator('#main-nav').getByRole('link', { name: link, exact: true }).click();
}
