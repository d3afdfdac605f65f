import type { Sql } from '../db/index.ts';
import { Dec } from '../shared/decimal.ts';

/** The hold reason of commissions waiting on a risk case. */
export const RISK_HOLD = 'risk_review';

/**
 * What risk cases change in a commission run, for the customers it recomputes: open cases hold
 * their customer's earnings from the case's first day; confirmed ones exclude the evidence deals'
 * lots, reverse the customer's CPA, or everything from the first day, as the case's rules say.
 * Dismissed cases change nothing: the run then equals a run without the rule.
 */
export interface RiskOverlay {
  holdFrom: Map<string, string>;
  reverseFrom: Map<string, string>;
  reverseCpa: Set<string>;
  excludedDeals: Set<string>;
}

export async function loadRiskOverlay(tx: Sql, customerIds: string[]): Promise<RiskOverlay> {
  const overlay: RiskOverlay = { holdFrom: new Map(), reverseFrom: new Map(), reverseCpa: new Set(), excludedDeals: new Set() };
  if (!customerIds.length) return overlay;
  const rows = await tx.query<{ subject_id: string; status: string; date_from: string; excluded_deals: string[]; consequences: { hold?: boolean; on_confirm?: string }; reverses_cpa: boolean }>(
    `SELECT subject_id, status, date_from::text AS date_from, excluded_deals, consequences,
            EXISTS (SELECT 1 FROM jsonb_array_elements(signals) s WHERE (s->>'reverses_cpa')::boolean) AS reverses_cpa
     FROM risk_cases WHERE subject_type = 'customer' AND status IN ('open', 'confirmed') AND subject_id = ANY($1::text[])`,
    [customerIds],
  );
  const earliest = (m: Map<string, string>, k: string, d: string) => {
    const cur = m.get(k);
    if (!cur || d < cur) m.set(k, d);
  };
  for (const r of rows) {
    if (r.status === 'open') {
      if (r.consequences.hold !== false) earliest(overlay.holdFrom, r.subject_id, r.date_from);
      continue;
    }
    if (r.consequences.on_confirm === 'reverse_all') earliest(overlay.reverseFrom, r.subject_id, r.date_from);
    else if (r.consequences.on_confirm !== 'release') {
      for (const d of r.excluded_deals) overlay.excludedDeals.add(d);
      if (r.reverses_cpa) overlay.reverseCpa.add(r.subject_id);
    }
  }
  return overlay;
}

interface FactLike {
  date: string;
  customer_id: string;
  instrument: string;
  currency: string;
  lots_traded: string;
  volume_usd: string | null;
  spread_cost: string | null;
}

/**
 * Takes excluded deals out of the run: out of the deal lists (hold-time and hedging rules) and
 * out of their day's activity (lots, and notional and spread cost in proportion), so neither
 * pay nor tier volume counts them.
 */
export function excludeDeals<D extends { deal_id: string; lots: string }>(overlay: RiskOverlay, facts: FactLike[], deals: Map<string, D[]>): void {
  if (!overlay.excludedDeals.size) return;
  const removed = new Map<string, Dec>();
  for (const [key, list] of deals) {
    const kept = list.filter((d) => !overlay.excludedDeals.has(d.deal_id));
    if (kept.length === list.length) continue;
    removed.set(key, list.filter((d) => overlay.excludedDeals.has(d.deal_id)).reduce((s, d) => s.plus(d.lots), new Dec(0)));
    deals.set(key, kept);
  }
  for (const f of facts) {
    const gone = removed.get(`${f.date}|${f.customer_id}|${f.instrument}|${f.currency}`);
    if (!gone) continue;
    const traded = new Dec(f.lots_traded);
    const left = Dec.max(0, traded.minus(gone));
    const share = traded.isZero() ? new Dec(0) : left.div(traded);
    f.lots_traded = left.toFixed();
    if (f.volume_usd !== null) f.volume_usd = new Dec(f.volume_usd).times(share).toFixed();
    if (f.spread_cost !== null) f.spread_cost = new Dec(f.spread_cost).times(share).toFixed();
  }
}

/** Holds and reversals on the desired entries of a run (in place). */
export function applyRiskCases<E extends { customer_id?: string; fact_date: string; source_type: string; hold_reason?: string }>(overlay: RiskOverlay, desired: E[]): void {
  if (!overlay.holdFrom.size && !overlay.reverseFrom.size && !overlay.reverseCpa.size) return;
  for (let i = desired.length - 1; i >= 0; i--) {
    const e = desired[i];
    if (!e.customer_id) continue;
    const reverseFrom = overlay.reverseFrom.get(e.customer_id);
    if ((reverseFrom && e.fact_date >= reverseFrom) || (e.source_type === 'customer' && overlay.reverseCpa.has(e.customer_id))) {
      desired.splice(i, 1);
      continue;
    }
    const holdFrom = overlay.holdFrom.get(e.customer_id);
    if (holdFrom && e.fact_date >= holdFrom && !e.hold_reason) e.hold_reason = RISK_HOLD;
  }
}

/** Partners whose payout an open case blocks, with the reason a statement shows. */
export async function payoutBlocks(tx: Sql, partnerIds: string[]): Promise<Map<string, string>> {
  if (!partnerIds.length) return new Map();
  const rows = await tx.query<{ partner_id: string; cases: string[] }>(
    `SELECT partner_id, array_agg(case_id::text ORDER BY case_id) AS cases FROM risk_cases
     WHERE status = 'open' AND partner_id = ANY($1::text[]) AND coalesce((consequences->>'block_payout')::boolean, true)
     GROUP BY partner_id`,
    [partnerIds],
  );
  return new Map(rows.map((r) => [r.partner_id, `risk case${r.cases.length > 1 ? 's' : ''} ${r.cases.map((c) => `#${c}`).join(', ')} open: payout blocked until ${r.cases.length > 1 ? 'they are' : 'it is'} closed`]));
}

/**
 * Entries an open case keeps out of a payout run without blocking their partner whole: an upline's
 * positive pay (overrides, splits) from a client whose own case is open and blocks payout. The
 * client's own partner is blocked by payoutBlocks; negative entries are never held back.
 */
export async function withheldByRiskCases(tx: Sql, entries: { id: number; partner_id: string; customer_id: string | null; amount: string }[]): Promise<Set<number>> {
  const positive = entries.filter((e) => e.customer_id && new Dec(e.amount).gt(0));
  const customers = [...new Set(positive.map((e) => e.customer_id as string))];
  if (!customers.length) return new Set();
  const cases = await tx.query<{ customer_id: string; partner_id: string | null }>(
    `SELECT subject_id AS customer_id, partner_id FROM risk_cases
     WHERE status = 'open' AND subject_type = 'customer' AND subject_id = ANY($1::text[]) AND coalesce((consequences->>'block_payout')::boolean, true)`,
    [customers],
  );
  if (!cases.length) return new Set();
  const ownerOf = new Map(cases.map((c) => [c.customer_id, c.partner_id]));
  return new Set(
    positive.filter((e) => ownerOf.has(e.customer_id as string) && ownerOf.get(e.customer_id as string) !== e.partner_id).map((e) => e.id),
  );
}
