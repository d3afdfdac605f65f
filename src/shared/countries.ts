/**
 * ISO 3166-1 alpha-2 country codes, as the runtime's ICU data knows them, without the codes that
 * name no country: user-assigned ones (AA, QM–QZ, XA–XZ, ZZ "Unknown Region"; XK, Kosovo, is kept:
 * banks and brokers use it), groupings (EU, EZ, UN, QO), exceptionally reserved codes (UK, AC, CP,
 * CQ, DG, EA, FX, IC, TA) and codes withdrawn from the standard (AN, CS, DD, SU, TP, YU, ZR).
 */
const regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const USER_ASSIGNED = /^(AA|Q[M-Z]|X[A-JL-Z]|ZZ)$/;
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'QO', 'UK', 'AC', 'CP', 'CQ', 'DG', 'EA', 'FX', 'IC', 'TA', 'AN', 'CS', 'DD', 'SU', 'TP', 'YU', 'ZR']);

/** Whether `code` (upper case) is an assigned ISO 3166-1 alpha-2 country code. */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && !USER_ASSIGNED.test(code) && !NOT_COUNTRIES.has(code) && regions.of(code) !== undefined;
}
