import type { Page } from 'playwright-core';
import { ensureWebBuilt } from '../../src/web/build.ts';

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
