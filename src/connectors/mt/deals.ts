import { isCurrencyCode } from '../../shared/currencies.ts';
import { Dec } from '../../shared/decimal.ts';
import { isEpoch, serverTimeToUtc } from './time.ts';

/*
 * Platform rows → OpenIB deals and transactions.
 *
 * Units: MT4 VOLUME is lots × 100; MT5 Volume is lots × 10,000 and VolumeExt lots × 100,000,000.
 *
 * The lot rule (one round trip counts its lots once): a deal is booked when a position closes.
 *  - MT4: one mt4_trades row is a whole position; closed buys/sells (CMD 0/1 with a CLOSE_TIME)
 *    are deals, open trades and pending orders (CMD 2–5) are skipped until they close.
 *  - MT5: only closing deals (Entry 1 OUT, 2 INOUT reversal, 3 OUT_BY close-by) are deals, with the
 *    volume they closed (VolumeClosed[Ext], else Volume[Ext]); entry deals (Entry 0 IN) carry no
 *    lots. A close-by closes two positions, so its two OUT_BY deals count both sides.
 *  - An entry deal's commission is carried onto the deals that close its position, in proportion
 *    to the volume each closes (to 8 decimals), so commission, swap and profit of the whole round
 *    trip are summed.
 *  - side is the direction of the position closed (a sell deal closing a buy is side buy).
 * Balance operations (MT4 CMD 6, MT5 Action 2) become approved deposits (amount > 0) or
 * withdrawals (amount < 0, stored positive), except credits that pay a partner (a comment such as
 * "IB commission", "agent payment", "partner payout", "Rebate …"). Other rows (credit, bonus,
 * charges) are skipped.
 * volume_usd is filled for pairs quoted in or based on USD (see dealNotionalUsd).
 */

type Row = Record<string, unknown>;

export type Mapped =
  | { kind: 'deal'; key: string; login: string; record: Record<string, unknown> }
  | { kind: 'transaction'; key: string; login: string; record: Record<string, unknown> }
  | { kind: 'skip' };

const dec = (v: unknown) => (v === null || v === undefined || v === '' ? undefined : new Dec(String(v)));
const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
const money = (v: unknown) => dec(v)?.toFixed();

/*
 * Balance operations that pay the broker's partners (IB or agent commission, rebates) are not client
 * money: counted as deposits they would create first deposits and CPAs out of commission payouts.
 */
const PARTNER_PAYOUT_COMMENT = /\b(ib|agent|partner|affiliate)\s*(commission|rebate|payout|payment)s?\b|^\s*rebates?\b/i;

/**
 * Notional in USD when the deal alone tells it: a pair quoted in USD (EURUSD: lots × contract size ×
 * price) or based on USD (USDJPY: lots × contract size). Crosses and indices would need an FX rate
 * or the symbol's specification: left empty, so per-notional pay is not guessed.
 */
export function dealNotionalUsd(symbol: string | undefined, lots: Dec, contractSize: Dec | undefined, price: Dec | undefined): string | undefined {
  const plain = symbol?.toUpperCase().replace(/[^A-Z]/g, '').slice(0, 6);
  if (!plain || plain.length !== 6 || !contractSize || contractSize.lte(0) || lots.lte(0)) return undefined;
  if (plain.endsWith('USD') && price && price.gt(0)) return lots.times(contractSize).times(price).toFixed();
  if (plain.startsWith('USD')) return lots.times(contractSize).toFixed();
  return undefined;
}

// MT4 rows carry no contract size: 100,000 is assumed only for plain currency pairs (two ISO 4217
// currencies, no metals, no suffix: EURUSDm or EURUSD.mini may be a smaller lot).
const METALS = new Set(['XAU', 'XAG', 'XPT', 'XPD']);
const isMt4FxPair = (symbol: string) =>
  /^[A-Z]{6}$/.test(symbol) && [symbol.slice(0, 3), symbol.slice(3)].every((c) => isCurrencyCode(c) && !METALS.has(c) && c !== 'USC' && c !== 'EUC');

function balance(key: string, login: string, amount: Dec | undefined, time: string | undefined, comment: unknown): Mapped {
  if (!amount || amount.isZero()) return { kind: 'skip' };
  if (amount.gt(0) && PARTNER_PAYOUT_COMMENT.test(text(comment) ?? '')) return { kind: 'skip' };
  return {
    kind: 'transaction',
    key,
    login,
    record: {
      transaction_id: key,
      transaction_type: amount.isNegative() ? 'withdrawal' : 'deposit',
      amount: amount.abs().toFixed(),
      transaction_date: time,
      status: 'approved',
      comment: text(comment)?.trim() || undefined,
    },
  };
}

export function mapMt4Trade(row: Row, prefix: string, zone: string): Mapped {
  const cmd = Number(row.CMD);
  const key = `${prefix}${row.TICKET}`;
  const login = String(row.LOGIN);
  if (cmd === 6) return balance(key, login, dec(row.PROFIT), serverTimeToUtc(row.OPEN_TIME as string, zone), row.COMMENT);
  if ((cmd !== 0 && cmd !== 1) || isEpoch(row.CLOSE_TIME as string)) return { kind: 'skip' };
  return {
    kind: 'deal',
    key,
    login,
    record: {
      deal_id: key,
      platform: 'mt4',
      login,
      symbol: text(row.SYMBOL)?.trim(),
      side: cmd === 0 ? 'buy' : 'sell',
      lots: new Dec(String(row.VOLUME)).div(100).toFixed(),
      volume_usd: mt4Notional(row),
      open_time: serverTimeToUtc(row.OPEN_TIME as string, zone),
      close_time: serverTimeToUtc(row.CLOSE_TIME as string, zone),
      open_price: money(row.OPEN_PRICE),
      close_price: money(row.CLOSE_PRICE),
      commission: money(row.COMMISSION),
      swap: money(row.SWAPS),
      profit: money(row.PROFIT),
    },
  };
}

function mt4Notional(row: Row): string | undefined {
  const symbol = text(row.SYMBOL)?.trim();
  if (!symbol || !isMt4FxPair(symbol)) return undefined;
  return dealNotionalUsd(symbol, new Dec(String(row.VOLUME)).div(100), new Dec(100_000), dec(row.CLOSE_PRICE));
}

/** Lots of an MT5 deal, from the most precise volume column present. */
export function mt5Lots(row: Row, closed: boolean): Dec {
  const ext = dec(closed ? row.VolumeClosedExt : row.VolumeExt);
  if (ext && ext.gt(0)) return ext.div(100_000_000);
  const std = dec(closed ? row.VolumeClosed : row.Volume);
  if (std && std.gt(0)) return std.div(10_000);
  return closed ? mt5Lots(row, false) : new Dec(0);
}

/** What the entry deals of a position contributed: when and at what price it opened, its lots and commission. */
export interface PositionEntry {
  time?: string;
  price?: string;
  lots: Dec;
  commission: Dec;
}

export function mapMt5Deal(row: Row, prefix: string, zone: string, entry?: PositionEntry): Mapped {
  const action = Number(row.Action);
  const key = `${prefix}${row.Deal}`;
  const login = String(row.Login);
  const time = serverTimeToUtc((row.TimeMsc ?? row.Time) as string, zone) ?? serverTimeToUtc(row.Time as string, zone);
  if (action === 2) return balance(key, login, dec(row.Profit), time, row.Comment);
  const entryType = Number(row.Entry);
  if ((action !== 0 && action !== 1) || ![1, 2, 3].includes(entryType)) return { kind: 'skip' };
  const lots = mt5Lots(row, true);
  let commission = dec(row.Commission) ?? new Dec(0);
  if (entry && entry.lots.gt(0) && !entry.commission.isZero()) commission = commission.plus(entry.commission.times(Dec.min(lots, entry.lots)).div(entry.lots).toDecimalPlaces(8));
  return {
    kind: 'deal',
    key,
    login,
    record: {
      deal_id: key,
      platform: 'mt5',
      login,
      symbol: text(row.Symbol)?.trim(),
      side: action === 1 ? 'buy' : 'sell',
      lots: lots.toFixed(),
      open_time: entry?.time && time && entry.time <= time ? entry.time : undefined,
      close_time: time,
      open_price: money(row.PricePosition) && !dec(row.PricePosition)?.isZero() ? money(row.PricePosition) : entry?.price,
      close_price: money(row.Price),
      volume_usd: dealNotionalUsd(text(row.Symbol)?.trim(), lots, dec(row.ContractSize), dec(row.Price)),
      commission: commission.toFixed(),
      swap: money(row.Storage),
      profit: money(row.Profit),
    },
  };
}
