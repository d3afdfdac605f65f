import type { Sql } from '../../db/index.ts';
import { type CustomerCell, cellJoin, cellParams } from './desired.ts';

/** One day of one customer's trading in one instrument, with who owned the customer that day. */
export interface ActivityFact {
  date: string;
  customer_id: string;
  instrument: string;
  currency: string;
  lots_traded: string;
  volume_usd: string | null;
  spread_cost: string | null;
  commission: string | null;
  pnl: string | null;
  kyc_status_id: string | null;
  /** The customer's account type (for MT4/MT5 data, its group): rates and exclusions can depend on it. */
  trading_account_type: string | null;
  /** The customer's ISO 3166-1 country: jurisdiction policies apply by it. */
  country_code: string | null;
  owner_id: string | null;
  self_referral: string | null;
  /** End of the business day: ownership and the tree are read at this instant. */
  eod: string;
}

export const activitySourceKey = (f: Pick<ActivityFact, 'date' | 'customer_id' | 'instrument' | 'currency'>) =>
  `${f.date}|${f.customer_id}|${f.instrument}|${f.currency}`;

/**
 * Activity in a range of business dates (only in these customers' cells, when given), each with the customer's owner at the end of that day
 * (a reassignment effective from a date moves that whole day to the new owner).
 */
export async function loadActivityFacts(db: Sql, from: string, to: string, timeZone: string, cells?: CustomerCell[]): Promise<ActivityFact[]> {
  const params: unknown[] = [from, to, timeZone];
  const join = cells ? cellJoin('a', 'date', params.push(...cellParams(cells)) - 2) : '';
  return db.query<ActivityFact>(
    `WITH f AS (
       SELECT a.*, ((a.date + 1)::timestamp AT TIME ZONE $3) AS eod FROM trading_activity a ${join}
       WHERE a.date BETWEEN $1::date AND $2::date)
     SELECT f.date::text AS date, f.customer_id, f.instrument, f.currency, f.lots_traded, f.volume_usd, f.spread_cost, f.commission, f.pnl,
            c.kyc_status_id, c.trading_account_type, c.country_code, o.partner_id AS owner_id, o.self_referral, f.eod
     FROM f JOIN customers c ON c.customer_id = f.customer_id
     LEFT JOIN LATERAL (
       SELECT t.partner_id, t.self_referral FROM attributions t
       WHERE t.customer_id = f.customer_id AND t.superseded_at IS NULL
         AND t.effective_from < f.eod AND (t.effective_to IS NULL OR t.effective_to >= f.eod)
       ORDER BY t.effective_from DESC LIMIT 1) o ON true
     ORDER BY f.date, f.customer_id, f.instrument, f.currency`,
    params,
  );
}

/**
 * The chain above each (partner, instant): level 0 the partner itself, 1 its parent at that
 * instant, and so on, following the effective-dated parent history.
 */
export async function loadChains(db: Sql, pairs: { partner_id: string; at: string }[]): Promise<Map<string, string[]>> {
  const unique = [...new Map(pairs.map((p) => [`${p.partner_id}|${p.at}`, p])).values()];
  const out = new Map<string, string[]>();
  if (!unique.length) return out;
  const rows = await db.query<{ owner_id: string; at: string; level: number; partner_id: string }>(
    `WITH RECURSIVE hist AS (
       -- A partner's first parent holds from the beginning: facts from before the partner was
       -- entered (backfills, customers claimed from their signup) climb the tree it was created in.
       SELECT partner_id, parent_id, effective_to,
              CASE WHEN effective_from = min(effective_from) OVER (PARTITION BY partner_id) THEN '-infinity'::timestamptz ELSE effective_from END AS effective_from
       FROM partner_parent_history
     ), chain AS (
       SELECT k.owner_id AS partner_id, k.owner_id, k.at, 0 AS level FROM unnest($1::text[], $2::timestamptz[]) AS k(owner_id, at)
       UNION ALL
       SELECT h.parent_id, c.owner_id, c.at, c.level + 1 FROM chain c
       JOIN hist h ON h.partner_id = c.partner_id AND h.parent_id IS NOT NULL
         AND h.effective_from < c.at AND (h.effective_to IS NULL OR h.effective_to >= c.at)
       WHERE c.level < 64)
     SELECT owner_id, at, level, partner_id FROM chain ORDER BY owner_id, at, level`,
    [unique.map((p) => p.partner_id), unique.map((p) => p.at)],
  );
  for (const r of rows) {
    const key = `${r.owner_id}|${r.at}`;
    const chain = out.get(key) ?? [];
    chain[r.level] = r.partner_id;
    out.set(key, chain);
  }
  return out;
}

export interface DealFact {
  deal_id: string;
  customer_id: string;
  trading_day: string;
  symbol: string;
  currency: string;
  side: 'buy' | 'sell';
  lots: string;
  open_time: string | null;
  close_time: string;
}

/** Deals of the range (only in these customers' cells, when given), for the hold-time and hedging rules (only facts that came from deals have them). */
export async function loadDeals(db: Sql, from: string, to: string, cells?: CustomerCell[]): Promise<Map<string, DealFact[]>> {
  const params: unknown[] = [from, to];
  const join = cells ? cellJoin('d', 'trading_day', params.push(...cellParams(cells)) - 2) : '';
  const rows = await db.query<DealFact>(
    `SELECT d.deal_id, d.customer_id, d.trading_day::text AS trading_day, d.symbol, d.currency, d.side, d.lots, d.open_time, d.close_time
     FROM deals d ${join} WHERE d.trading_day BETWEEN $1::date AND $2::date
     ORDER BY d.customer_id, d.close_time`,
    params,
  );
  const out = new Map<string, DealFact[]>();
  for (const d of rows) {
    const key = `${d.trading_day}|${d.customer_id}|${d.symbol}|${d.currency}`;
    const list = out.get(key) ?? [];
    list.push(d);
    out.set(key, list);
  }
  return out;
}
