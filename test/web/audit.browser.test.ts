import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { seriousViolations } from './axe.ts';
import { adminLogin, appErrors, builtWebApp, type Login, overflowing, settled, signedIn } from './support.ts';

let t: TestServer;
let browser: TestBrowser;
let olga: Login;
let brunoId: string;

beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer();
  const admin = await t.token();
  olga = await adminLogin(t, admin, 'olga@example.com');
  const bruno = await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email: 'bruno@example.com', name: 'Bruno Desk', role: 'viewer', password: 'a-long-admin-password' } });
  brunoId = bruno.body.data.id;
  // Bruno signs in twice: two entries by him.
  for (let i = 0; i < 2; i++) expect((await t.call('POST', '/api/v1/admin/sign-in', { body: { email: 'bruno@example.com', password: 'a-long-admin-password' } })).status).toBe(200);
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('the audit log in the console', () => {
  it("finds entries by the actor's name, shows names, and exports what it found", async () => {
    for (const width of [1440, 390]) {
      const { page, consoleErrors, context } = await signedIn(browser, t.url, 'admin', olga, { width, axe: true });
      await page.goto(`${t.url}/admin/audit-log`);
      await page.getByRole('heading', { name: 'Audit log', exact: true }).waitFor();
      await settled(page);
      await page.getByLabel('Actor name').fill('BRUNO');
      await page.getByRole('button', { name: 'Filter', exact: true }).click();
      const rows = page.getByRole('region', { name: 'Audit log' }).locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(2);
      for (const text of await rows.allInnerTexts()) expect(text).toMatch(/Bruno Desk[\s\S]*session\.sign_in/);

      if (width === 390) expect(await overflowing(page)).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      await browser.screenshot(page, `admin-audit-log-${width}`);

      // Everything that matches, from the server: only Bruno's entries.
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export all matching (CSV)' }).click()]);
      const lines = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
      expect(lines[0]).toMatch(/^id,at,actor,action/);
      expect(lines.slice(1)).toHaveLength(2);
      for (const line of lines.slice(1)) expect(line).toContain(`user:${brunoId},session.sign_in`);
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
  }, 240_000);
});
