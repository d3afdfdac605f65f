// ISO 4217 codes as known to the runtime's ICU data, plus the cent-account code brokers use.
const KNOWN = new Set<string>([...Intl.supportedValuesOf('currency'), 'USC', 'EUC', 'XAU', 'XAG', 'XPT', 'XPD']);

export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && KNOWN.has(code);
}
