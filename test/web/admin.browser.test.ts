import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payoutSteps } from '../../src/payouts/test-support.ts';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { appErrors, builtWebApp, overflowing, settled } from './support.ts';

let t: TestServer;
let browser: TestBrowser;
let admin: string;
let alpha: string;
let beta: string;

const PASSWORD = 'a-long-admin-password';

beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer();
  admin = await t.token();
  for (const [email, role] of [['ops@example.com', 'admin'], ['viewer@example.com', 'viewer']]) {
    const res = await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email, name: email.split('@')[0], role, password: PASSWORD } });
    expect(res.status, res.text).toBe(201);
  }
  // Two partners with approved commission in a closed month.
  const p = payoutSteps(t, admin);
  alpha = await p.earner('ALPHA');
  beta = await p.earner('BETA');
  await p.lots('ALPHA', '12', '2026-03-10');
  await p.lots('BETA', '7.5', '2026-03-11');
  await p.run();
  await p.close('2026-03');
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

async function signIn(email: string, width = 1280) {
  const opened = await browser.newPage({ width, height: width > 400 ? 900 : 740 });
  await opened.page.goto(`${t.url}/admin/`);
  await opened.page.getByLabel('Email').fill(email);
  await opened.page.getByLabel('Password').fill(PASSWORD);
  await opened.page.getByRole('button', { name: 'Sign in' }).click();
  await opened.page.getByRole('heading', { name: 'Overview' }).waitFor();
  return opened;
}

describe('admin console in a browser', () => {
  it('runs payouts for a closed month, approves one statement and holds another', async () => {
    const { page, consoleErrors, context } = await signIn('ops@example.com');
    await page.getByRole('link', { name: 'Payouts' }).click();
    await page.getByRole('textbox', { name: 'Period' }).fill('2026-03');
    await page.getByRole('button', { name: 'Run payouts' }).click();
    await page.getByRole('link', { name: 'Review its statements' }).click();
    await page.getByRole('heading', { name: 'Payout run 2026-03' }).waitFor();
    await settled(page);

    const row = (id: string) => page.locator(`tr[data-partner="${id}"]`);
    await expect.poll(() => row(alpha).locator('td').nth(2).textContent()).toContain('120.00');
    await row(alpha).getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => row(alpha).locator('.badge').first().textContent()).toBe('approved');

    await row(beta).getByRole('button', { name: 'Hold' }).click();
    await page.getByLabel('Reason').fill('Bank details not verified');
    await page.locator('.panel').getByRole('button', { name: 'Hold', exact: true }).click();
    await expect.poll(() => row(beta).locator('.badge').first().textContent()).toBe('held');
    await expect.poll(() => row(beta).textContent()).toContain('Bank details not verified');
    await browser.screenshot(page, 'admin-payout-run');

    const statements = (await t.call('GET', '/api/v1/statements', { token: admin })).body.data as { partner_id: string; status: string; status_reason: string | null }[];
    expect(statements.find((s) => s.partner_id === alpha)?.status).toBe('approved');
    expect(statements.find((s) => s.partner_id === beta)).toMatchObject({ status: 'held', status_reason: 'Bank details not verified' });

    // ALPHA is paid, the bank returns the transfer, and finance records the failure.
    await row(alpha).getByRole('button', { name: 'Mark paid' }).click();
    await page.getByLabel('Payment reference').fill('WIRE-2026-04-0001');
    await page.locator('.panel').getByRole('button', { name: 'Mark paid', exact: true }).click();
    await expect.poll(() => row(alpha).locator('.badge').first().textContent()).toBe('paid');
    await row(alpha).getByRole('button', { name: 'Payment failed' }).click();
    await page.getByLabel('Reason').fill('Returned by the bank: account closed');
    await page.locator('.panel').getByRole('button', { name: 'Payment failed', exact: true }).click();
    await expect.poll(() => row(alpha).locator('.badge').first().textContent()).toBe('failed');
    const failed = (await t.call('GET', '/api/v1/statements', { token: admin })).body.data.find((s: { partner_id: string }) => s.partner_id === alpha);
    expect(failed).toMatchObject({ status: 'failed', status_reason: 'Returned by the bank: account closed' });
    expect(appErrors(consoleErrors)).toEqual([]);
    await context.close();
  }, 180_000);

  it('closes a month on the Periods page after previewing what it settles, then refuses a duplicate payout run', async () => {
    // A partner on a tiered plan in April: closing the month settles the tier.
    const p = payoutSteps(t, admin);
    await p.plan({ plan_id: 'web-tiers', name: 'Tiers', currency: 'USD', rules: [{ type: 'tiered_per_lot', period: 'month', mode: 'retroactive', tiers: [{ from_lots: '0', rate: '3' }, { from_lots: '100', rate: '5' }] }] });
    const tiered = await p.partner('TIERS');
    await p.assign(tiered, 'web-tiers', '2026-01-01');
    await p.customer('TIERS-c1', 'TIERS');
    await p.lots('TIERS', '70', '2026-04-06', 'EURUSD', 'TIERS-c1');
    await p.lots('TIERS', '80', '2026-04-20', 'EURUSD', 'TIERS-c1');
    await p.run();

    const { page, consoleErrors, context } = await signIn('ops@example.com');
    await page.getByRole('link', { name: 'Periods' }).click();
    await page.getByRole('heading', { name: 'Periods', exact: true }).waitFor();
    await settled(page);
    const april = page.locator('tr[data-period="2026-04"]');
    const march = page.locator('tr[data-period="2026-03"]');
    expect(await april.locator('.badge').textContent()).toBe('open');
    expect(await march.locator('.badge').textContent()).toBe('closed');
    await april.getByRole('button', { name: 'Close month… April 2026', exact: true }).click();
    const panel = page.locator('.panel');
    const settles = panel.getByRole('region', { name: 'What closing settles' });
    await settles.getByText('Tier adjustment').waitFor();
    expect(await panel.textContent()).toMatch(/appends \d+ ledger entr(y|ies):/);
    await browser.screenshot(page, 'admin-periods-close-preview');
    // The preview wrote nothing: the month is still open.
    expect((await t.call('GET', '/api/v1/periods?months=24', { token: admin })).body.data.find((m: { period: string }) => m.period === '2026-04').status).toBe('open');

    await panel.getByRole('button', { name: 'Close April 2026', exact: true }).click();
    await expect.poll(() => april.locator('.badge').textContent()).toBe('closed');
    await page.getByRole('status').getByRole('link', { name: 'Run payouts for it' }).click();
    await page.getByRole('heading', { name: 'Payouts', exact: true }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Period' }).inputValue()).toBe('2026-04');
    await page.getByRole('button', { name: 'Run payouts' }).click();
    await page.getByRole('link', { name: 'Review its statements' }).waitFor();

    // The same month again, with nothing left to pay: refused, with the run to review instead.
    await page.getByRole('button', { name: 'Run payouts' }).click();
    const alert = page.locator('form[aria-label="Run payouts for a period"] [role="alert"]');
    await expect.poll(() => alert.textContent()).toMatch(/A payout run for 2026-04 already exists/);
    await page.getByRole('link', { name: 'Review the run for April 2026' }).waitFor();
    await browser.screenshot(page, 'admin-payout-run-duplicate');
    const runs = (await t.call('GET', '/api/v1/payout-runs?period=2026-04', { token: admin })).body.data;
    expect(runs).toHaveLength(1);
    expect(appErrors(consoleErrors).filter((e) => !/status of 409/.test(e))).toEqual([]);
    await context.close();
  }, 180_000);

  it('invites a portal login for a partner, shows its one-time password once, and disables it', async () => {
    const { page, consoleErrors, context } = await signIn('ops@example.com');
    await page.goto(`${t.url}/admin/partners`);
    await settled(page);
    const row = page.locator('tr', { hasText: alpha });
    await row.getByRole('button', { name: 'Logins' }).click();
    const panel = page.locator('.panel');
    await panel.getByText('no portal login yet').waitFor();
    await panel.getByLabel('Invite by email').fill('alpha.desk@example.com');
    await panel.getByRole('button', { name: 'Create login' }).click();
    const password = (await panel.locator('.notice code').textContent()) ?? '';
    expect(password.length).toBeGreaterThanOrEqual(10);
    page.once('dialog', (d) => void d.accept());
    await panel.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => panel.locator('.badge').first().textContent()).toBe('disabled');
    const logins = (await t.call('GET', `/api/v1/partners/${alpha}/portal-users`, { token: admin })).body.data;
    expect(logins).toEqual([expect.objectContaining({ email: 'alpha.desk@example.com', disabled: true })]);
    const signIn403 = await t.call('POST', '/api/v1/portal/sign-in', { body: { email: 'alpha.desk@example.com', password } });
    expect(signIn403.status).toBe(403);
    expect(appErrors(consoleErrors)).toEqual([]);
    await context.close();
  }, 120_000);

  it('shows a viewer no write buttons', async () => {
    const { page, consoleErrors, context } = await signIn('viewer@example.com');
    await page.goto(`${t.url}/admin/payouts`);
    await settled(page);
    expect(await page.getByRole('button', { name: 'Run payouts' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Review' }).first().click();
    await settled(page);
    expect(await page.getByRole('button', { name: /Approve|Hold|Reject|Mark paid/ }).count()).toBe(0);
    await page.goto(`${t.url}/admin/partners`);
    await settled(page);
    expect(await page.getByRole('button', { name: 'New partner' }).count()).toBe(0);
    expect(appErrors(consoleErrors)).toEqual([]);
    await context.close();
  }, 120_000);

  it('renders every admin page at 1280 px and at 360 px without console errors', async () => {
    const pages = [
      ['overview', '/admin/', 'Overview'],
      ['partners', '/admin/partners', 'Partners'],
      ['plans', '/admin/plans', 'Plans'],
      ['customers', '/admin/customers', 'Customers'],
      ['periods', '/admin/periods', 'Periods'],
      ['payouts', '/admin/payouts', 'Payouts'],
      ['reconciliation', '/admin/reconciliation', 'Reconciliation'],
      ['risk', '/admin/risk', 'Risk'],
      ['webhooks', '/admin/webhooks', 'Webhooks'],
      ['connectors', '/admin/connectors', 'Connectors & imports'],
      ['api-clients', '/admin/api-clients', 'API clients'],
      ['audit-log', '/admin/audit-log', 'Audit log'],
    ] as const;
    for (const width of [1280, 360]) {
      const { page, consoleErrors, context } = await signIn('ops@example.com', width);
      for (const [name, path, title] of pages) {
        await page.goto(`${t.url}${path}`);
        await page.getByRole('heading', { name: title, exact: true }).waitFor();
        await settled(page);
        expect(await page.locator('.state-error').count(), `${name} shows an error`).toBe(0);
        if (width === 360) expect(await overflowing(page), name).toEqual([]);
        await browser.screenshot(page, width === 1280 ? `admin-${name}` : `admin-${name}-360`);
      }
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
    const { page, context } = await browser.newPage();
    await page.goto(`${t.url}/admin/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await browser.screenshot(page, 'admin-sign-in');
    await context.close();
  }, 240_000);
});
