/**
 * The partner portal's languages (i18next + react-i18next). The admin console stays in English; the portal applies the
 * partner's choice, remembered on the device, to the messages, to the document's lang and dir (Arabic reads right to
 * left), and to every number and date through format.ts. The portal and the console are separate page loads (links
 * between them are plain anchors), so the language is decided once when the app loads, before anything renders.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { setDisplayLocale } from '../format.ts';
import { ar } from './ar.ts';
import { en } from './en.ts';
import { es } from './es.ts';
import { zh } from './zh.ts';

export const LANGUAGES = [
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'es', name: 'Español', dir: 'ltr' },
  { code: 'zh-CN', name: '简体中文', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

export const MESSAGES = { en, es, 'zh-CN': zh, ar } as const;

/** Where the portal remembers the partner's language on this device. */
export const LANGUAGE_KEY = 'openib.portal.language';

/** Whether the page is the partner portal (the only area that changes language). */
const inPortal = () => typeof location !== 'undefined' && location.pathname.startsWith('/portal');

void i18next.use(initReactI18next).init({
  resources: Object.fromEntries(Object.entries(MESSAGES).map(([code, messages]) => [code, { translation: messages }])),
  lng: 'en',
  fallbackLng: false,
  supportedLngs: LANGUAGES.map((l) => l.code),
  load: 'currentOnly',
  interpolation: { escapeValue: false }, // React escapes
  returnNull: false,
  initAsync: false,
});

export function isLanguage(code: string | null | undefined): code is Language {
  return LANGUAGES.some((l) => l.code === code);
}

/** The remembered language, else the browser's first one we speak, else English. */
export function preferredLanguage(): Language {
  try {
    const stored = localStorage.getItem(LANGUAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    /* storage disabled */
  }
  for (const tag of navigator.languages ?? [navigator.language]) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    const base = lower.split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** Shows the app in a language: messages, document lang/dir, number and date formats. */
export function applyLanguage(code: Language) {
  const lang = LANGUAGES.find((l) => l.code === code)!;
  void i18next.changeLanguage(code);
  document.documentElement.lang = code;
  document.documentElement.dir = lang.dir;
  setDisplayLocale(formattingLocale(code));
}

/**
 * The locale numbers and dates follow: the browser's own when it is the same language (en-GB keeps "US$" and day-month
 * order for an English reader in Britain, ar-EG its digits), else the language chosen.
 */
function formattingLocale(code: Language): string {
  const browser = typeof navigator !== 'undefined' ? navigator.language : '';
  const base = (tag: string) => tag.toLowerCase().split('-')[0];
  return browser && base(browser) === base(code) ? browser : code;
}

/** Applies and remembers the partner's choice. */
export function chooseLanguage(code: Language) {
  try {
    localStorage.setItem(LANGUAGE_KEY, code);
  } catch {
    /* storage disabled: the choice lasts for this page */
  }
  applyLanguage(code);
}

/** The portal opens in the remembered language before anything renders, so no component sees English first. */
if (inPortal()) applyLanguage(preferredLanguage());

export { i18next };
