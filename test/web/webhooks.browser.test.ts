import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { type Receiver, startReceiver } from '../helpers/receiver.ts';
import { startWebhookWorld, type WebhookWorld } from '../helpers/webhooks.ts';
import { seriousViolations } from './axe.ts';
import { adminLogin, appErrors, builtWebApp, type Login, overflowing, settled, signedIn } from './support.ts';

let w: WebhookWorld;
let browser: TestBrowser;
let receiver: Receiver;
let up = false;
let manager: Login;

beforeAll(async () => {
  await builtWebApp();
  // One attempt per message: a failure makes it a dead letter at once.
  w = await startWebhookWorld({ OPENIB_WEBHOOK_RETRY_SCHEDULE: '0', OPENIB_WEBHOOK_BREAKER_AFTER: '100' });
  receiver = await startReceiver(() => (up ? { status: 200 } : { status: 500, body: 'database down' }));
  await w.endpoint({ url: receiver.url, description: 'Broker CRM', event_types: ['customer.registered'] });
  await w.register([{ customer_id: 'WH-1' }, { customer_id: 'WH-2' }]);
  await w.settle();
  manager = await adminLogin(w.t, w.admin, 'hooks@example.com');
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await w?.stop();
  await receiver?.close();
});

describe('webhook deliveries in the console', () => {
  it("shows each delivery's error and retries a failed one", async () => {
    for (const width of [390, 1440]) {
      const { page, consoleErrors, context } = await signedIn(browser, w.t.url, 'admin', manager, { width, axe: true });
      await page.goto(`${w.t.url}/admin/webhooks`);
      await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
      await settled(page);
      await page.getByRole('region', { name: 'Webhook endpoints' }).getByRole('button', { name: 'Deliveries' }).click();
      const deliveries = page.getByRole('region', { name: 'Deliveries', exact: true });
      await deliveries.locator('tbody tr').first().waitFor();
      const rows = deliveries.locator('tbody tr');
      expect(await rows.count()).toBe(2);
      for (const text of await rows.allInnerTexts()) expect(text).toMatch(/failed[\s\S]*HTTP 500/);
      if (width === 390) expect(await overflowing(page)).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      await browser.screenshot(page, `admin-webhook-deliveries-${width}`);

      if (width === 1440) {
        // The CRM is back: Retry sends the message again with the same id, and it is delivered.
        up = true;
        const first = rows.first();
        const id = await first.getAttribute('data-message');
        await first.getByRole('button', { name: 'Retry' }).click();
        // Queued again at once (the worker may already have sent it by the time the list reloads).
        await expect.poll(async () => deliveries.locator(`tr[data-message="${id}"]`).innerText()).toMatch(/pending|delivered/);
        await w.settle();
        expect(receiver.received.map((r) => r.headers['webhook-id'])).toContain(id);
        await page.getByRole('region', { name: 'Webhook endpoints' }).getByRole('button', { name: 'Deliveries' }).click(); // close
        await page.getByRole('region', { name: 'Webhook endpoints' }).getByRole('button', { name: 'Deliveries' }).click(); // and open again: fresh
        await expect.poll(async () => deliveries.locator(`tr[data-message="${id}"]`).innerText()).toMatch(/delivered/);
        expect(await deliveries.locator(`tr[data-message="${id}"]`).getByRole('button', { name: 'Retry' }).count()).toBe(0);
      }
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
  }, 240_000);
});
