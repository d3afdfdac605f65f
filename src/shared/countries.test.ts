import { describe, expect, it } from 'vitest';
import { isCountryCode } from './countries.ts';

describe('isCountryCode: assigned ISO 3166-1 alpha-2 codes only', () => {
  it.each(['GB', 'US', 'DE', 'CY', 'AU', 'AE', 'CN', 'XK', 'AQ', 'ZA'])('%s is a country', (code) => expect(isCountryCode(code)).toBe(true));
  it.each([
    ['ZZ', 'user-assigned ("Unknown Region")'],
    ['XX', 'user-assigned'],
    ['AA', 'user-assigned'],
    ['QZ', 'user-assigned'],
    ['XA', 'user-assigned (a pseudo-locale in ICU)'],
    ['EU', 'a grouping'],
    ['UN', 'a grouping'],
    ['UK', 'exceptionally reserved: the code is GB'],
    ['IC', 'exceptionally reserved'],
    ['YU', 'withdrawn'],
    ['SU', 'withdrawn'],
    ['gb', 'lower case (callers upper-case first)'],
    ['GBR', 'alpha-3'],
    ['', 'empty'],
  ])('%s is not (%s)', (code) => expect(isCountryCode(code)).toBe(false));
});
