import { accountTypeListed } from './maths/exclusions.ts';
import type { PartnerTerms } from './partner-terms.ts';
import { findRule, type Plan, type RateEntry, type SymbolGroup, type SymbolNormalisation } from './plan-schema.ts';

/**
 * Brokers decorate symbols per account type (EURUSD.pro, EURUSDm, EURUSD-ECN, EURUSD_i, #EURUSD,
 * XAUUSD+). These patterns strip the decoration so one plan rate covers every variant. The
 * lower-case suffix rule needs three capitals or digits before it so names like "Gold" survive.
 */
export const DEFAULT_SYMBOL_NORMALISATION: SymbolNormalisation = {
  prefixes: ['[#!.]+'],
  suffixes: ['[._-][A-Za-z0-9]+', '(?<=[A-Z0-9]{3})[a-z]{1,5}', '[+!#]+'],
};

interface Compiled {
  prefixes: RegExp[];
  suffixes: RegExp[];
}
const compiledRules = new WeakMap<SymbolNormalisation, Compiled>();

function compile(n: SymbolNormalisation): Compiled {
  let c = compiledRules.get(n);
  if (!c) {
    c = { prefixes: n.prefixes.map((p) => new RegExp(`^(?:${p})`)), suffixes: n.suffixes.map((s) => new RegExp(`(?:${s})$`)) };
    compiledRules.set(n, c);
  }
  return c;
}

/** The plain symbol behind a broker's variant, upper-cased; a rule that would strip everything is skipped. */
export function normaliseSymbol(symbol: string, normalisation: SymbolNormalisation = DEFAULT_SYMBOL_NORMALISATION): string {
  const { prefixes, suffixes } = compile(normalisation);
  let current = symbol.trim();
  // Repeat so stacked decorations (#EURUSDm.pro) come off; bounded in case a pattern can match empty text.
  for (let pass = 0; pass < 5; pass++) {
    let next = current;
    for (const re of prefixes) next = strip(next, re);
    for (const re of suffixes) next = strip(next, re);
    if (next === current) break;
    current = next;
  }
  return current.toUpperCase();
}

function strip(text: string, re: RegExp): string {
  const stripped = text.replace(re, '');
  return stripped.length > 0 ? stripped : text;
}

const globCache = new Map<string, RegExp>();

/** Exact comparison, or a glob when the pattern holds `*` (any characters) or `?` (one character). */
export function symbolMatches(symbol: string, pattern: string): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return symbol === pattern;
  let re = globCache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
    re = new RegExp(`^${body}$`);
    if (globCache.size > 10_000) globCache.clear();
    globCache.set(pattern, re);
  }
  return re.test(symbol);
}

/** Whether the symbol, as sent or normalised, matches any of the patterns (instrument exclusions use this). */
export function symbolListed(symbol: string, patterns: readonly string[], normalisation?: SymbolNormalisation): boolean {
  const plain = normaliseSymbol(symbol, normalisation);
  return patterns.some((p) => symbolMatches(symbol, p) || symbolMatches(plain, p));
}

export interface RateTable {
  /** Where the rates come from, shown in explanations: 'plan' or 'partner override'. */
  source: string;
  rates: readonly RateEntry[];
}

export type RateLookup =
  | { kind: 'rate'; rate: string; symbol: string; normalised: string; matched_by: 'symbol' | 'group'; matched: string; rate_source: string }
  | { kind: 'no_rate'; symbol: string; normalised: string; rate_source: string };

/**
 * Finds the per-lot rate for a symbol. Tables are tried in order (a partner's own rates before the
 * plan's); within a table an exact symbol beats a group, and the symbol as sent is tried before its
 * normalised form so a plan can still price `EURUSD.pro` apart from `EURUSD`. Groups are tried in the
 * order the table lists them. No rate is a result, never an error.
 */
export function lookupRate(
  symbol: string,
  tables: readonly RateTable[],
  groups: readonly SymbolGroup[],
  normalisation?: SymbolNormalisation,
  accountType?: string | null,
): RateLookup {
  const normalised = normaliseSymbol(symbol, normalisation);
  const candidates = normalised === symbol ? [symbol] : [symbol, normalised];
  const groupPatterns = new Map(groups.map((g) => [g.group, g.symbols]));
  // An entry for the customer's account type beats the same symbol or group without one.
  const forAccount = (r: RateEntry) => r.account_types !== undefined && !!accountType && accountTypeListed(accountType, r.account_types);
  const generic = (r: RateEntry) => r.account_types === undefined;
  for (const table of tables) {
    for (const candidate of candidates) {
      const exact = table.rates.find((r) => r.symbol === candidate && forAccount(r)) ?? table.rates.find((r) => r.symbol === candidate && generic(r));
      if (exact) return found(table, exact, 'symbol', candidate);
    }
    for (const candidate of candidates) {
      const inGroup = (r: RateEntry) => r.group !== undefined && groupPatterns.get(r.group)?.some((p) => symbolMatches(candidate, p));
      const byGroup = table.rates.find((r) => inGroup(r) && forAccount(r)) ?? table.rates.find((r) => inGroup(r) && generic(r));
      if (byGroup) return found(table, byGroup, 'group', candidate);
    }
  }
  const read = normalised === symbol ? '' : ` (read as ${normalised})`;
  return { kind: 'no_rate', symbol, normalised, rate_source: `no rate for symbol ${symbol}${read}` };

  function found(table: RateTable, entry: RateEntry, matchedBy: 'symbol' | 'group', candidate: string): RateLookup {
    const matched = (matchedBy === 'symbol' ? entry.symbol : entry.group) as string;
    const read = candidate === symbol ? '' : ` (${symbol} read as ${candidate})`;
    const prefix = table.source === 'plan' ? '' : `${table.source} `;
    const account = entry.account_types ? ` for account type ${accountType}` : '';
    return { kind: 'rate', rate: entry.rate, symbol, normalised, matched_by: matchedBy, matched, rate_source: `${prefix}${matchedBy} ${matched}${account}${read}` };
  }
}

/** The per-lot rate a partner earns on a symbol: its own overrides first, then its plan's per_lot rule. */
export function perLotRateFor(symbol: string, plan: Plan, terms?: PartnerTerms, accountType?: string | null): RateLookup {
  const tables: RateTable[] = [];
  if (terms?.rates?.length) tables.push({ source: 'partner override', rates: terms.rates });
  const rule = findRule(plan, 'per_lot');
  if (rule) tables.push({ source: 'plan', rates: rule.rates });
  return lookupRate(symbol, tables, plan.symbol_groups ?? [], plan.symbol_normalisation, accountType);
}

/**
 * The value of one pip on one standard lot (100,000 units) of an FX pair, in its quote currency:
 * 0.0001 × 100,000 = 10, or 0.01 × 100,000 = 1,000 for JPY-quoted pairs. Only for a six-letter pair
 * (after normalisation) quoted in `currency`; anything else (metals, indices, cross pairs) has no
 * standard pip value and must be configured.
 */
export function standardPipValue(symbol: string, currency: string, normalisation?: SymbolNormalisation): string | undefined {
  const plain = normaliseSymbol(symbol, normalisation);
  if (!/^[A-Z]{6}$/.test(plain) || plain.slice(3) !== currency) return undefined;
  return currency === 'JPY' ? '1000' : '10';
}
