import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where Debian's chromium lives; OPENIB_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.OPENIB_CHROMIUM || '/usr/bin/chromium';

/** Screenshots of the main pages, kept as CI artefacts (gitignored). */
export const SCREENSHOT_DIR = resolve(process.env.OPENIB_SCREENSHOT_DIR || 'test-artifacts/screenshots');

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (own cookies and storage) whose pages fail the test on console errors. */
  newPage(opts?: { width?: number; height?: number; timezoneId?: string }): Promise<{ page: Page; context: BrowserContext; consoleErrors: string[] }>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Launches the system chromium headless through playwright-core (a fresh temporary profile each time). Nothing is downloaded: when the
 * browser is missing the error says how to install it, so a browser test never passes silently.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run "apt-get update && apt-get install -y chromium" (.ci/run does this) or set OPENIB_CHROMIUM.`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    browser,
    async newPage(opts = {}) {
      const context = await browser.newContext({
        viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
        timezoneId: opts.timezoneId ?? 'Europe/Berlin',
        locale: 'en-GB',
      });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') consoleErrors.push(msg.text());
      });
      page.on('pageerror', (err) => consoleErrors.push(String(err)));
      return { page, context, consoleErrors };
    },
    async screenshot(page, name) {
      const file = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await browser.close();
    },
  };
}
