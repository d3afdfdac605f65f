import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { generateHistory, type MatchTraderSim, startMatchTrader } from '../simulators/match-trader.ts';
import { appErrors, builtWebApp, overflowing, settled } from './support.ts';

let t: TestServer;
let browser: TestBrowser;
let sim: MatchTraderSim;
const PASSWORD = 'a-long-admin-password';

beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer({}, { role: 'api' });
  const admin = await t.token();
  const res = await t.call('POST', '/api/v1/admin-users', { token: admin, body: { email: 'ops@example.com', name: 'ops', role: 'admin', password: PASSWORD } });
  expect(res.status, res.text).toBe(201);
  sim = await startMatchTrader();
  const now = Date.now();
  const h = generateHistory({ clients: 5, positions: 40, operations: 6, from: new Date(now - 5 * 86_400_000).toISOString(), to: new Date(now - 60_000).toISOString(), groups: ['real'], affiliates: [''] });
  sim.accounts.push(...h.accounts);
  sim.addPositions(h.positions);
  sim.addOperations(h.operations);
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await sim?.close();
  await t?.stop();
});

describe('connector catalogue in the console', () => {
  it('adds a Match-Trader connector, runs it, shows its lag and throughput, pauses it and lists its errors', async () => {
    const { page, consoleErrors, context } = await browser.newPage({ width: 1280, height: 900 });
    await page.goto(`${t.url}/admin/`);
    await page.getByLabel('Email').fill('ops@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.goto(`${t.url}/admin/connectors`);
    await page.getByRole('heading', { name: 'Connectors & imports', exact: true }).waitFor();

    const form = page.getByRole('form', { name: 'Add a Match-Trader connector' });
    await form.getByLabel('Connector id', { exact: true }).fill('mt-live');
    await form.getByLabel('Name', { exact: true }).fill('Match-Trader live');
    await form.getByLabel('Broker API base URL', { exact: true }).fill(sim.url);
    await form.getByLabel('System UUID', { exact: true }).fill(sim.systemUuid);
    await form.getByLabel('Groups (comma-separated)', { exact: true }).fill('real');
    await form.getByLabel('API key', { exact: true }).fill(sim.apiKey);
    await form.getByLabel('Backfill from', { exact: true }).fill(new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10));
    await form.getByRole('button', { name: 'Add connector' }).click();

    const row = page.getByRole('row').filter({ hasText: 'Match-Trader live' }).first();
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain('Match-Trader Broker API');
    await row.getByRole('button', { name: 'Run now' }).click();
    // The run is answered when it has finished; the table reloads then.
    await expect.poll(async () => (await row.locator('td').nth(5).textContent())?.trim(), { timeout: 60_000 }).not.toBe('0');
    await expect.poll(() => row.textContent()).toContain('Complete up to');

    await row.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => row.getByRole('button', { name: 'Resume' }).count()).toBe(1);
    await row.getByRole('button', { name: 'Errors' }).click();
    await page.getByText('No failed runs.').waitFor();
    await settled(page);
    expect(appErrors(consoleErrors)).toEqual([]);
    await page.setViewportSize({ width: 360, height: 740 });
    await settled(page);
    expect(await overflowing(page)).toEqual([]);
    await browser.screenshot(page, 'admin-connectors-match-trader-360');
    await context.close();
  }, 120_000);
});
