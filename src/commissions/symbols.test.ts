import { describe, expect, it } from 'vitest';
import { PLAN_EXAMPLE, type Plan, validatePlan } from './plan.ts';
import { lookupRate, normaliseSymbol, perLotRateFor, symbolListed, symbolMatches } from './symbols.ts';

const plan = validatePlan(PLAN_EXAMPLE).plan as Plan;

describe('symbol normalisation', () => {
  it.each([
    ['EURUSD', 'EURUSD'],
    ['EURUSD.pro', 'EURUSD'],
    ['EURUSDm', 'EURUSD'],
    ['EURUSD.ecn', 'EURUSD'],
    ['EURUSD-ECN', 'EURUSD'],
    ['EURUSD_i', 'EURUSD'],
    ['#EURUSD', 'EURUSD'],
    ['#EURUSDm.pro', 'EURUSD'],
    ['XAUUSD+', 'XAUUSD'],
    ['US30.cash', 'US30'],
    ['Gold', 'GOLD'],
    ['eurusd', 'EURUSD'],
    ['.', '.'],
  ])('%s → %s', (raw, plain) => {
    expect(normaliseSymbol(raw)).toBe(plain);
  });

  it('follows a configured normalisation instead of the default', () => {
    const custom = { prefixes: ['fx:'], suffixes: ['\\.r'] };
    expect(normaliseSymbol('fx:EURUSD.r', custom)).toBe('EURUSD');
    expect(normaliseSymbol('EURUSDm', custom)).toBe('EURUSDM');
  });

  it.each([
    ['XAUUSD', 'XAU*', true],
    ['XAGEUR', 'XA?EUR', true],
    ['EURUSD', 'XAU*', false],
    ['XAU.USD', 'XAU.USD', true],
    ['XAUXUSD', 'XAU.USD', false],
  ])('%s matches %s: %s', (symbol, pattern, expected) => {
    expect(symbolMatches(symbol, pattern)).toBe(expected);
  });

  it('lists instruments by sent or normalised symbol', () => {
    expect(symbolListed('US30.cash', ['US30'])).toBe(true);
    expect(symbolListed('US500', ['US30'])).toBe(false);
  });
});

describe('per-lot rate lookup', () => {
  it.each([
    ['EURUSD', '6', 'symbol EURUSD'],
    ['GBPUSD', '4', 'group fx_majors'],
    ['XAUUSD', '8', 'group metals'],
    ['XAGUSD', '8', 'group metals'],
    ['EURUSD.pro', '6', 'symbol EURUSD (EURUSD.pro read as EURUSD)'],
    ['EURUSDm', '6', 'symbol EURUSD (EURUSDm read as EURUSD)'],
    ['GBPUSD-ECN', '4', 'group fx_majors (GBPUSD-ECN read as GBPUSD)'],
    ['#USDJPY', '4', 'group fx_majors (#USDJPY read as USDJPY)'],
    ['XAUUSD.pro', '8', 'group metals'],
  ])('%s pays %s (%s)', (symbol, rate, source) => {
    expect(perLotRateFor(symbol, plan)).toMatchObject({ kind: 'rate', rate, rate_source: source });
  });

  it('returns no_rate for a symbol nobody prices, never throws', () => {
    expect(perLotRateFor('BTCUSD.pro', plan)).toEqual({
      kind: 'no_rate',
      symbol: 'BTCUSD.pro',
      normalised: 'BTCUSD',
      rate_source: 'no rate for symbol BTCUSD.pro (read as BTCUSD)',
    });
  });

  it('prices a symbol as sent before its normalised form', () => {
    const rates = [{ symbol: 'EURUSD', rate: '6' }, { symbol: 'EURUSD.pro', rate: '5' }];
    expect(lookupRate('EURUSD.pro', [{ source: 'plan', rates }], [])).toMatchObject({ rate: '5', rate_source: 'symbol EURUSD.pro' });
  });

  it('lets an exact normalised symbol beat a group the raw symbol matches', () => {
    const rates = [{ group: 'metals', rate: '8' }, { symbol: 'XAUUSD', rate: '9' }];
    const groups = [{ group: 'metals', symbols: ['XAU*'] }];
    expect(lookupRate('XAUUSD.pro', [{ source: 'plan', rates }], groups)).toMatchObject({ rate: '9', matched_by: 'symbol' });
  });

  it('looks at a partner\'s own rates before the plan\'s', () => {
    const terms = { rates: [{ group: 'fx_majors', rate: '5' }] };
    expect(perLotRateFor('EURUSD', plan, terms)).toMatchObject({ rate: '5', rate_source: 'partner override group fx_majors' });
    expect(perLotRateFor('XAUUSD', plan, terms)).toMatchObject({ rate: '8', rate_source: 'group metals' });
  });
});

describe('rates by account type', () => {
  const groups = [{ group: 'fx', symbols: ['EUR*', 'GBP*'] }];
  const table = {
    source: 'plan',
    rates: [
      { symbol: 'EURUSD', rate: '6' },
      { symbol: 'EURUSD', rate: '9', account_types: ['ECN', 'real\\ecn-*'] },
      { group: 'fx', rate: '4' },
      { group: 'fx', rate: '5', account_types: ['pro'] },
    ],
  };
  it.each([
    ['EURUSD', 'ECN', '9', 'symbol EURUSD for account type ECN'],
    ['EURUSD', 'ecn', '9', 'symbol EURUSD for account type ecn'],
    ['EURUSD', 'real\\ECN-USD', '9', 'symbol EURUSD for account type real\\ECN-USD'],
    ['EURUSD', 'standard', '6', 'symbol EURUSD'],
    ['EURUSD', null, '6', 'symbol EURUSD'],
    ['GBPUSD', 'PRO', '5', 'group fx for account type PRO'],
    ['GBPUSD', 'ECN', '4', 'group fx'],
  ])('%s on a %s account earns %s (%s)', (symbol, accountType, rate, source) => {
    const found = lookupRate(symbol, [table], groups, undefined, accountType);
    expect(found).toMatchObject({ kind: 'rate', rate, rate_source: source });
  });

  it('never uses an account-type rate for a customer without an account type or of another type', () => {
    const only = { source: 'plan', rates: [{ symbol: 'EURUSD', rate: '9', account_types: ['ECN'] }] };
    expect(lookupRate('EURUSD', [only], [], undefined, null).kind).toBe('no_rate');
    expect(lookupRate('EURUSD', [only], [], undefined, 'standard').kind).toBe('no_rate');
  });
});
