import { Dec } from '../../shared/decimal.ts';
import type { SymbolNormalisation } from '../plan-schema.ts';
import { normaliseSymbol } from '../symbols.ts';
import { type Explanation, explain } from './explanation.ts';

/** One closed position of one customer, as the deal feed reports it. */
export interface Deal {
  deal_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  lots: string;
  open_time: string;
  close_time: string;
}

export interface CountedDeal {
  deal_id: string;
  lots: string;
  /** Lots that earn commission after the hold-time and hedge rules. */
  counted_lots: string;
  excluded?: 'min_hold';
  /** Lots of this deal that only offset an earlier opposite position, and the deals they offset. */
  hedged_lots: string;
  hedged_against: string[];
  explanation: Explanation;
}

/**
 * Applies the deal-level rules to one customer's deals. Deals held shorter than min_hold_seconds earn
 * nothing and are dropped before netting, so a scalp never cancels a real position. With hedging on,
 * a position opened while an opposite one on the same instrument (after symbol normalisation) is
 * still open is counted only for the lots the earlier one does not already offset; each lot offsets
 * at most one opposite lot. So a 1.5 buy with 0.4 + 0.6 sells counts 1.5, and with 1.0 + 0.8 sells
 * counts 1.8 — the larger side, whatever the order.
 */
export function countDealLots(
  deals: readonly Deal[],
  options: { min_hold_seconds: number; hedge_netting: boolean; normalisation?: SymbolNormalisation },
): CountedDeal[] {
  const rows = deals.map((d) => ({
    deal: d,
    open: Date.parse(d.open_time),
    close: Date.parse(d.close_time),
    instrument: normaliseSymbol(d.symbol, options.normalisation),
    free: new Dec(d.lots),
    hedged: new Dec(0),
    against: [] as string[],
  }));
  const held = (r: (typeof rows)[number]) => (r.close - r.open) / 1000;
  const eligible = rows.filter((r) => held(r) >= options.min_hold_seconds);

  if (options.hedge_netting) {
    const byOpen = [...eligible].sort((a, b) => a.open - b.open || a.deal.deal_id.localeCompare(b.deal.deal_id));
    byOpen.forEach((later, i) => {
      for (const earlier of byOpen.slice(0, i)) {
        if (later.free.isZero()) break;
        const opposite = earlier.instrument === later.instrument && earlier.deal.side !== later.deal.side;
        const overlaps = earlier.open < later.close && later.open < earlier.close;
        if (!opposite || !overlaps || earlier.free.isZero()) continue;
        const offset = Dec.min(earlier.free, later.free);
        earlier.free = earlier.free.minus(offset);
        later.free = later.free.minus(offset);
        later.hedged = later.hedged.plus(offset);
        later.against.push(earlier.deal.deal_id);
      }
    });
  }

  return rows.map((r) => {
    const { deal } = r;
    const tooShort = held(r) < options.min_hold_seconds;
    const counted = tooShort ? new Dec(0) : new Dec(deal.lots).minus(r.hedged);
    const inputs = { deal_id: deal.deal_id, symbol: deal.symbol, side: deal.side, lots: deal.lots, held_seconds: held(r), min_hold_seconds: options.min_hold_seconds, hedged_lots: r.hedged.toFixed() };
    const explanation = tooShort
      ? explain({ rule: 'deal_lots', inputs, formula: 'held shorter than the minimum: no lots count', arithmetic: `${held(r)}s < ${options.min_hold_seconds}s → 0`, result: '0', notes: ['min_hold'] })
      : explain({
          rule: 'deal_lots',
          inputs,
          formula: 'lots − lots offsetting an earlier opposite open position',
          arithmetic: `${deal.lots} − ${r.hedged.toFixed()} = ${counted.toFixed()}`,
          result: counted.toFixed(),
          notes: r.against.length ? [`hedges deal(s) ${r.against.join(', ')}`] : undefined,
        });
    return {
      deal_id: deal.deal_id,
      lots: deal.lots,
      counted_lots: counted.toFixed(),
      ...(tooShort ? { excluded: 'min_hold' as const } : {}),
      hedged_lots: r.hedged.toFixed(),
      hedged_against: r.against,
      explanation,
    };
  });
}
