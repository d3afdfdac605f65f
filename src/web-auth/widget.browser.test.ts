import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerSteps } from '../../test/helpers/broker.ts';
import { launchBrowser, type TestBrowser } from '../../test/helpers/browser.ts';
import { startTestServer, type TestServer } from '../../test/helpers/server.ts';

// The broker's own site on another origin: its server mints embed tokens with its admin API client
// and its page embeds the widget from OpenIB, exactly as docs/web.md describes.
let t: TestServer;
let browser: TestBrowser;
let broker: Server;
let brokerUrl: string;
let admin: string;
let partnerId: string;
let minted = 0;

async function mint(ttl?: number): Promise<string> {
  const res = await t.call('POST', '/api/v1/embed-tokens', { token: admin, body: { partner_id: partnerId, ...(ttl ? { ttl_seconds: ttl } : {}) } });
  if (res.status !== 201) throw new Error(`mint failed: ${res.text}`);
  minted++;
  return res.body.token;
}

function page(token: string, withRefresh: boolean, locale?: string): string {
  const escape = (s: string) => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>My broker – client area</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; background: #f0f2f5; padding: 16px">
<h1>Client area</h1>
${withRefresh ? '<script>window.getOpenibToken = async () => (await (await fetch("/token")).json()).token;</script>' : ''}
<openib-widget embed-token="${escape(token)}" api-base="${escape(t.url)}"${withRefresh ? ' refresh-callback="getOpenibToken"' : ''}${locale ? ` locale="${escape(locale)}"` : ''}></openib-widget>
<script src="${escape(t.url)}/widget.js"></script>
</body></html>`;
}

beforeAll(async () => {
  const pages = new Map<string, string>();
  broker = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: await mint() }));
      return;
    }
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    const html = pages.get(url.pathname);
    if (!html) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  brokerUrl = `http://127.0.0.1:${(broker.address() as AddressInfo).port}`;
  (globalThis as Record<string, unknown>).__pages = pages;
  t = await startTestServer({ OPENIB_CORS_ORIGINS: brokerUrl, OPENIB_COMMISSIONS_AUTO: '0' });
  admin = await t.token(['admin']);
  const b = brokerSteps(t, admin);
  partnerId = await b.partner('BRW-1', { name: 'Atlas Widget Partners' });
  await b.ok('POST', `/api/v1/partners/${partnerId}/links`, { destination_url: 'https://broker.example/register', code: 'atlas-widget' });
  const now = new Date().toISOString();
  await b.customer('brw-c1', 'BRW-1', { signup_date: now });
  await b.customer('brw-c2', 'BRW-1', { signup_date: now });
  await b.transactions([
    { transaction_id: 'brw-t1', customer_id: 'brw-c1', transaction_type: 'deposit', amount: '1000.25', transaction_date: now },
    { transaction_id: 'brw-t2', customer_id: 'brw-c2', transaction_type: 'deposit', amount: '250.25', transaction_date: now },
  ]);
  await t.server.workers?.idle();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await new Promise((resolve) => broker?.close(resolve));
});

function serve(path: string, html: string) {
  ((globalThis as Record<string, unknown>).__pages as Map<string, string>).set(path, html);
  return `${brokerUrl}${path}`;
}

describe('the partner widget in a broker page on another origin', () => {
  it('shows the partner\'s KPIs, invite link and QR code', async () => {
    const { page, consoleErrors } = await browser.newPage({ width: 1000, height: 700 });
    await page.goto(serve('/fresh', page_(await mint(), false)));
    await page.waitForSelector('openib-widget[data-state="ready"]', { timeout: 15_000 });
    const widget = page.locator('openib-widget');
    await expect.poll(() => widget.locator('h2').textContent()).toBe('Atlas Widget Partners');
    const deposits = await widget.locator('[data-metric="deposits"] .value').textContent();
    expect(deposits).toContain('1,250.50');
    expect(await widget.locator('[data-metric="registrations"] .value').textContent()).toBe('2');
    expect(await widget.locator('[part="invite-url"]').textContent()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/l\/atlas-widget$/);
    const qr = widget.locator('img[part="qr"]');
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(await qr.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth > 0)).toBe(true);
    expect(await widget.locator('.chart polyline').count()).toBe(1);
    await browser.screenshot(page, 'widget');
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  });

  it('speaks the locale it is given: Arabic right to left, Chinese, with numbers in that locale', async () => {
    for (const width of [1440, 390]) {
      const { page, consoleErrors } = await browser.newPage({ width, height: 800 });
      await page.goto(serve(`/ar-${width}`, page_(await mint(), false, 'ar')));
      await page.waitForSelector('openib-widget[data-state="ready"]', { timeout: 15_000 });
      const widget = page.locator('openib-widget');
      const card = widget.locator('.card');
      expect(await card.getAttribute('dir')).toBe('rtl');
      expect(await card.getAttribute('lang')).toBe('ar');
      expect(await widget.locator('[data-metric="registrations"] .label').textContent()).toBe('التسجيلات');
      expect(await widget.locator('[data-metric="registrations"] .value').textContent()).toBe(new Intl.NumberFormat('ar').format(2));
      expect(await widget.locator('.invite strong').textContent()).toBe('رابط الدعوة الخاص بك');
      await browser.screenshot(page, `widget-ar-${width}`);
      expect(consoleErrors).toEqual([]);
      await page.context().close();
    }
    const { page, consoleErrors } = await browser.newPage({ width: 1000, height: 700 });
    await page.goto(serve('/zh', page_(await mint(), false, 'zh-CN')));
    await page.waitForSelector('openib-widget[data-state="ready"]', { timeout: 15_000 });
    const widget = page.locator('openib-widget');
    expect(await widget.locator('.card').getAttribute('dir')).toBe('ltr');
    expect(await widget.locator('[data-metric="registrations"] .label').textContent()).toBe('注册');
    expect(await widget.locator('.period').textContent()).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    await browser.screenshot(page, 'widget-zh');
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  });

  it('shows a clear message and no figures for an expired token', async () => {
    const expired = await mint(1);
    await new Promise((r) => setTimeout(r, 1500));
    const { page, consoleErrors } = await browser.newPage({ width: 600, height: 400 });
    await page.goto(serve('/expired', page_(expired, false)));
    await page.waitForSelector('openib-widget[data-state="expired"]', { timeout: 15_000 });
    const text = await page.locator('openib-widget').evaluate((el) => el.shadowRoot?.querySelector('.card')?.textContent ?? '');
    expect(text).toMatch(/expired/i);
    expect(text).not.toContain('Atlas');
    expect(text).not.toMatch(/\d/);
    await browser.screenshot(page, 'widget-expired');
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  });

  it('swaps in a new token from the page\'s refresh callback, before and after expiry', async () => {
    const expired = await mint(1);
    await new Promise((r) => setTimeout(r, 1500));
    const { page, consoleErrors } = await browser.newPage({ width: 360, height: 800 });
    const before = minted;
    await page.goto(serve('/refresh', page_(expired, true)));
    await page.waitForSelector('openib-widget[data-state="ready"]', { timeout: 15_000 });
    expect(minted).toBeGreaterThan(before);
    const swapped = await page.locator('openib-widget').getAttribute('embed-token');
    expect(swapped).not.toBe(expired);

    // A short-lived token is renewed before it runs out, without a reload.
    const short = await mint(3);
    await page.locator('openib-widget').evaluate((el, token) => el.setAttribute('embed-token', token), short);
    const afterShort = minted;
    await expect.poll(() => minted, { timeout: 10_000 }).toBeGreaterThan(afterShort);
    await page.waitForTimeout(2500);
    expect(await page.locator('openib-widget').getAttribute('data-state')).toBe('ready');
    expect(await page.locator('openib-widget').getAttribute('embed-token')).not.toBe(short);
    await browser.screenshot(page, 'widget-360');
    expect(consoleErrors).toEqual([]);
    await page.context().close();
  });
});

const page_ = page;
