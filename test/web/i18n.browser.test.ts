import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { seriousViolations, withAxe } from './axe.ts';
import { appErrors, builtWebApp, overflowing, settled } from './support.ts';

let t: TestServer;
let browser: TestBrowser;
let admin: string;

beforeAll(async () => {
  await builtWebApp();
  t = await startTestServer();
  admin = await t.token();
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const PASSWORD = 'a-long-portal-password';
const documentDir = (page: import('playwright-core').Page) => page.evaluate(() => [(globalThis as any).document.documentElement.dir, (globalThis as any).document.documentElement.lang]);

describe('the partner portal in the partner language', () => {
  it('switches to Arabic (right to left) and Chinese, remembers the choice, and formats numbers and dates in that language', async () => {
    const partner = await t.call('POST', '/api/v1/partners', { token: admin, body: { name: 'Polyglot IB', email: 'polyglot@example.com' } });
    expect(partner.status).toBe(201);
    const login = await t.call('POST', `/api/v1/partners/${partner.body.partner_id}/portal-users`, { token: admin, body: { email: 'polyglot@example.com', password: PASSWORD } });
    expect(login.status, login.text).toBe(201);

    for (const width of [1440, 390]) {
      const { page, consoleErrors, context } = await browser.newPage({ width });
      await withAxe(context);
      await page.goto(`${t.url}/portal/`);
      // The sign-in page already offers the languages.
      await page.getByLabel('Language').selectOption('es');
      await page.getByRole('heading', { name: 'Iniciar sesión en el portal de socios' }).waitFor();
      await page.getByLabel('Correo electrónico').fill('polyglot@example.com');
      await page.getByLabel('Contraseña').fill(PASSWORD);
      await page.getByRole('button', { name: 'Iniciar sesión' }).click();
      await page.getByRole('heading', { name: 'Panel', exact: true }).waitFor();
      await settled(page);

      // Arabic: the whole document reads right to left, the navigation sits on the right, nothing sticks out.
      await page.getByLabel('Idioma').selectOption('ar');
      await page.getByRole('heading', { name: 'لوحة المعلومات', exact: true }).waitFor();
      expect(await documentDir(page)).toEqual(['rtl', 'ar']);
      await settled(page);
      expect(await page.locator('[data-kpi="registrations"] .kpi-label').textContent()).toBe('التسجيلات');
      // Numbers through Intl in Arabic: the same figure the English dashboard shows as "0", in Arabic digits or Latin ones as the locale says.
      const zero = new Intl.NumberFormat('ar').format(0);
      expect(await page.locator('[data-kpi="registrations"] .kpi-value').textContent()).toBe(zero);
      if (width === 1440) {
        const nav = await page.locator('#main-nav').boundingBox();
        const main = await page.locator('#main').boundingBox();
        expect(nav!.x).toBeGreaterThan(main!.x); // the menu is on the right
      }
      expect(await overflowing(page)).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      await browser.screenshot(page, `i18n-portal-dashboard-ar-${width}`);

      // The choice survives a reload (remembered on the device).
      await page.reload();
      await page.getByRole('heading', { name: 'لوحة المعلومات', exact: true }).waitFor();
      expect(await documentDir(page)).toEqual(['rtl', 'ar']);

      if (width === 390) await page.getByRole('button', { name: 'القائمة' }).click();
      await page.getByRole('link', { name: 'الروابط' }).click();
      await page.getByRole('heading', { name: 'الروابط', exact: true }).waitFor();
      await settled(page);
      expect(await overflowing(page)).toEqual([]);
      expect(await seriousViolations(page)).toEqual([]);
      await browser.screenshot(page, `i18n-portal-links-ar-${width}`);

      // Simplified Chinese: left to right again, Chinese messages and dates.
      await page.getByLabel('اللغة').first().selectOption('zh-CN');
      await page.getByRole('heading', { name: '推广链接', exact: true }).waitFor();
      expect(await documentDir(page)).toEqual(['ltr', 'zh-CN']);
      if (width === 390) await page.getByRole('button', { name: '菜单' }).click();
      await page.getByRole('link', { name: '收益' }).click();
      await page.getByRole('heading', { name: '收益', exact: true }).waitFor();
      await settled(page);
      // The period in the subtitle is a Chinese date ("2026年12月3日" style), with the broker's zone named in Chinese.
      expect(await page.locator('.page-header p').textContent()).toMatch(/\d{4}年\d{1,2}月\d{1,2}日.*经纪商时间/);
      expect(await seriousViolations(page)).toEqual([]);
      await browser.screenshot(page, `i18n-portal-earnings-zh-${width}`);

      // The profile page offers the same choice; back to English for the console, which stays English.
      if (width === 390) await page.getByRole('button', { name: '菜单' }).click();
      await page.getByRole('link', { name: '个人资料' }).click();
      await page.getByRole('heading', { name: '门户语言' }).waitFor();
      await page.locator('#main').getByLabel('语言', { exact: true }).selectOption('en');
      await page.getByRole('heading', { name: 'Language of the portal' }).waitFor();
      expect(await documentDir(page)).toEqual(['ltr', 'en']);
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
  });
});
