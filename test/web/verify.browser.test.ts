import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/index.ts';
import { DEMO_PORTAL_LOGINS } from '../../src/web-auth/demo.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { appErrors, builtWebApp, settled } from './support.ts';

let t: TestServer;
let browser: TestBrowser;

// The demo as `npm start` loads it: its payout runs have signed checkpoints for the partners they paid.
beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer({ OPENIB_DEMO: '1' });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('the portal Verify page', () => {
  it('verifies the demo master IB\'s ledger in the browser, then finds the record an operator edited behind the append-only trigger', async () => {
    const login = DEMO_PORTAL_LOGINS[0]!;
    const { page, consoleErrors, context } = await browser.newPage();
    await page.goto(`${t.url}/portal/`);
    await page.getByLabel('Email').fill(login.email);
    await page.getByLabel('Password').fill(login.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();

    await page.getByRole('link', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Verify your ledger' }).waitFor();
    const status = page.getByRole('status');
    await status.getByText('Verified').waitFor({ timeout: 60_000 });
    await settled(page);
    expect(await status.textContent()).toMatch(/\d+ records, [1-9]\d* signed checkpoints/);
    await browser.screenshot(page, 'portal-verify');

    // A malicious operator changes one of the partner's amounts, trigger off, chain untouched.
    const db = t.server.ctx.db;
    const [{ partner_id: partnerId }] = await db.query<{ partner_id: string }>('SELECT partner_id FROM partners WHERE affiliate_id = $1', [login.affiliateId]);
    await db.transaction(async (tx: Sql) => {
      await tx.query('ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only');
      await tx.query(`UPDATE ledger_entries SET amount = amount + 1 WHERE id = (SELECT min(id) FROM ledger_entries WHERE partner_id = $1)`, [partnerId]);
      await tx.query('ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only');
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Verify your ledger' }).waitFor();
    await page.getByRole('status').getByText('Verification failed').waitFor({ timeout: 60_000 });
    expect(await page.getByRole('status').textContent()).toMatch(/first broken record is number \d+/);
    await browser.screenshot(page, 'portal-verify-tampered');
    expect(appErrors(consoleErrors)).toEqual([]);
    await context.close();
  });
});
