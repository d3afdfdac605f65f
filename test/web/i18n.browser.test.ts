import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type TestBrowser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { seriousViolations, withAxe } from './axe.ts';
import { payoutSteps } from '../../src/payouts/test-support.ts';
import { appErrors, builtWebApp, overflowing, portalLogin, settled, signedIn } from './support.ts';

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

  it('shows every other portal page in Arabic (right to left) and Chinese, with amounts, months and dates in that language', async () => {
    // A partner with a client who traded in a closed month, so the pages have figures, dates and a statement.
    const p = payoutSteps(t, admin);
    const partnerId = await p.earner('ATLAS-I18N', '10', { name: 'Atlas Multilingual' });
    await p.lots('ATLAS-I18N', '12', '2026-03-10');
    await p.run('2026-03-01', '2026-03-31');
    await p.close('2026-03');
    await p.payoutRun('2026-03');
    const login = await portalLogin(t, admin, partnerId, 'atlas-i18n@example.com');
    const month = (locale: string) => new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date('2026-03-01T00:00:00Z'));
    const money = (locale: string, amount: string) => new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD' }).format(amount as unknown as number);

    const PAGES: Record<'ar' | 'zh-CN', [string, string][]> = {
      ar: [
        ['/clients', 'العملاء'],
        ['/team', 'شجرة الوسطاء الفرعيين'],
        ['/statements', 'الكشوف والمدفوعات'],
        ['/postbacks', 'الإشعارات الراجعة'],
        ['/profile', 'الملف الشخصي'],
        ['/marketing', 'التسويق'],
        ['/onboarding', 'الانضمام'],
        ['/verify', 'تحقّق من دفترك'],
      ],
      'zh-CN': [
        ['/clients', '客户'],
        ['/team', '下级 IB 树'],
        ['/statements', '结算单与付款'],
        ['/postbacks', '回传'],
        ['/profile', '个人资料'],
        ['/marketing', '营销素材'],
        ['/onboarding', '入驻'],
        ['/verify', '核验您的账本'],
      ],
    };

    for (const width of [1440, 390]) {
      const { page, consoleErrors, context } = await signedIn(browser, t.url, 'portal', login, { width, axe: true });
      for (const [language, picker] of [['ar', 'Language'], ['zh-CN', 'اللغة']] as const) {
        await page.getByLabel(picker).first().selectOption(language);
        await page.waitForFunction((lang) => (globalThis as any).document.documentElement.lang === lang, language);
        for (const [path, heading] of PAGES[language]) {
          await page.goto(`${t.url}/portal${path}`);
          await page.getByRole('heading', { name: heading, exact: true }).waitFor();
          await settled(page);
          expect(await documentDir(page)).toEqual([language === 'ar' ? 'rtl' : 'ltr', language]);
          // No English left in the page's own text (ids, codes, URLs and the partner's name aside).
          const main = (await page.locator('#main').innerText()).replace(/Atlas Multilingual|ATLAS-I18N[\w-]*|https?:\S+|docs\/verification\.md|openib verify|\{\w+\}|[\w.+-]+@[\w.-]+|\b(?:pt|st|cu)_\w+\b|\b[A-Z]{2,}[\w-]*\b|Europe\/\w+|UTC|ms/g, '');
          expect(main.match(/\b(?:the|and|your|of|with|no|yet)\b/gi) ?? [], `${language} ${path}`).toEqual([]);
          if (path === '/statements') {
            const row = page.getByRole('region', { name: language === 'ar' ? 'الكشوف' : '结算单' }).locator('tbody tr').first();
            expect(await row.textContent()).toContain(month(language));
            expect(await row.textContent()).toContain(money(language, '120'));
          }
          if (path === '/clients') expect(await page.locator('#main').textContent()).toContain(money(language, '120'));
          expect(await overflowing(page), `${language} ${path}`).toEqual([]);
          expect(await seriousViolations(page), `${language} ${path}`).toEqual([]);
          await browser.screenshot(page, `i18n-portal${path.replace('/', '-')}-${language === 'ar' ? 'ar' : 'zh'}-${width}`);
        }
      }
      expect(appErrors(consoleErrors)).toEqual([]);
      await context.close();
    }
  }, 300_000);
});
