import { describe, expect, it } from 'vitest';
import { CATALOGUE, EMAIL_KINDS, EMAIL_LANGUAGES, renderEmail, UNSUBSCRIBE_LINE } from './catalogue.ts';

describe('partner email texts', () => {
  it('every kind has a subject and a body in every language, with the same placeholders as English', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]).sort();
    for (const kind of EMAIL_KINDS) {
      for (const lang of EMAIL_LANGUAGES) {
        const m = CATALOGUE[kind][lang];
        expect(m?.subject, `${kind}/${lang}`).toBeTruthy();
        expect(m?.body, `${kind}/${lang}`).toBeTruthy();
        expect(placeholders(m.subject + m.body), `${kind}/${lang}`).toEqual(placeholders(CATALOGUE[kind].en.subject + CATALOGUE[kind].en.body));
      }
    }
    for (const lang of EMAIL_LANGUAGES) expect(UNSUBSCRIBE_LINE[lang]).toContain('{url}');
  });

  it('fills values, falls back to English for another language, and keeps the subject on one line', () => {
    const m = renderEmail('payout_paid', 'fr', { name: 'Ana', amount: '10.00', currency: 'USD', period: '2026-03', reference: 'W-1\r\nBcc: x@example.com' }, 'http://u');
    expect(m.body).toContain('We paid 10.00 USD for 2026-03');
    expect(m.body).toContain('Stop these emails: http://u');
    const evil = renderEmail('commission_approved', 'en', { amount: '1\r\nBcc: x@example.com', currency: 'USD' }, 'http://u');
    expect(evil.subject).not.toMatch(/[\r\n]/);
  });
});
