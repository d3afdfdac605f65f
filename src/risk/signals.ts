import type { Sql } from '../db/index.ts';
import { Dec } from '../shared/decimal.ts';
import type { RiskRules } from './rules.ts';

export const SIGNALS = ['hedging', 'short_trades', 'linked_accounts', 'cpa_deposit_run', 'signup_burst', 'bot_clicks', 'fast_signup', 'payout_details_change'] as const;
export type SignalName = (typeof SIGNALS)[number];

/** What the evidence of a signal names: deals, accounts, identifier kinds, clicks, figures. */
export interface Evidence {
  deals?: { deal_id: string; customer_id: string; symbol: string; side: string; lots: string; open_time: string | null; close_time: string; matched_with?: string }[];
  accounts?: { customer_id: string; shared?: string[]; signup_date?: string }[];
  identifiers?: string[];
  /** Deals named by id only (short trades: many small deals). */
  deal_ids?: string[];
  figures?: Record<string, string | number>;
}

/** One signal that fired about one customer or partner. */
export interface Finding {
  subject_type: 'customer' | 'partner';
  subject_id: string;
  signal: SignalName;
  /** Its part of the subject's score, 0–100. */
  score: number;
  summary: string;
  evidence: Evidence;
  /** Deals a confirmed case excludes from pay and tier volume. */
  excluded_deals?: string[];
  /**
   * What identifies the evidence, for telling new evidence from evidence a closed case already
   * decided (default: the first day of the evidence).
   */
  key?: string[];
  /** A confirmed case reverses the customer's CPA. */
  reverses_cpa?: boolean;
  date_from: string;
  date_to: string;
}

export interface ScanWindow {
  /** Start of the history read: now − lookback. */
  since: string;
  now: string;
}

/** Evidence lists stay readable: at most this many deals or accounts per signal. */
const EVIDENCE_LIMIT = 100;

const day = (iso: string) => new Date(iso).toISOString().slice(0, 10);
const scaled = (weight: number, share: Dec) => Math.min(100, Math.round(share.times(weight).toNumber()));

/**
 * Cross-account hedging: opposite deals on one symbol opened at most `window_seconds` apart and
 * open at the same time (deals without an open time cannot be matched), by one customer or by two customers of one IB network (the same
 * top-level partner). Each deal counts at most its own lots; a customer's share is its hedged
 * lots over all its lots in the window.
 */
export async function hedging(db: Sql, rules: RiskRules['hedging'], w: ScanWindow): Promise<Finding[]> {
  if (!rules.enabled) return [];
  const pairs = await db.query<{ a: string; b: string; ca: string; cb: string; matched: string }>(
    `WITH RECURSIVE up AS (
       SELECT partner_id, partner_id AS root, parent_id FROM partners
       UNION ALL SELECT up.partner_id, p.partner_id, p.parent_id FROM up JOIN partners p ON p.partner_id = up.parent_id),
     net AS (
       SELECT a.customer_id, u.root FROM attributions a JOIN up u ON u.partner_id = a.partner_id AND u.parent_id IS NULL
       WHERE a.superseded_at IS NULL AND a.effective_to IS NULL),
     buys AS (
       SELECT d.deal_id, d.customer_id, d.symbol, d.lots, d.open_time AS opened, d.close_time
       FROM deals d WHERE d.side = 'buy' AND d.open_time IS NOT NULL AND d.close_time >= $1::timestamptz AND d.close_time <= $2::timestamptz)
     SELECT a.deal_id AS a, b.deal_id AS b, a.customer_id AS ca, b.customer_id AS cb, least(a.lots, b.lots)::text AS matched
     FROM buys a
     JOIN deals b ON b.symbol = a.symbol AND b.side = 'sell'
       AND b.open_time BETWEEN a.opened - make_interval(secs => $3) AND a.opened + make_interval(secs => $3)
       AND b.close_time >= $1::timestamptz AND b.close_time <= $2::timestamptz
       AND a.opened < b.close_time AND b.open_time < a.close_time
     LEFT JOIN net na ON na.customer_id = a.customer_id
     LEFT JOIN net nb ON nb.customer_id = b.customer_id
     WHERE a.customer_id = b.customer_id OR (na.root IS NOT NULL AND na.root = nb.root)`,
    [w.since, w.now, rules.window_seconds],
  );
  if (!pairs.length) return [];
  const dealIds = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const deals = new Map(
    (
      await db.query<{ deal_id: string; customer_id: string; symbol: string; side: string; lots: string; open_time: string | null; close_time: string }>(
        `SELECT deal_id, customer_id, symbol, side, lots::text AS lots, open_time::text AS open_time, close_time::text AS close_time FROM deals WHERE deal_id = ANY($1::text[])`,
        [dealIds],
      )
    ).map((d) => [d.deal_id, d]),
  );
  // Hedged lots per deal, never more than the deal's own lots.
  const hedged = new Map<string, { lots: Dec; with: string }>();
  for (const p of pairs)
    for (const [id, other] of [[p.a, p.b], [p.b, p.a]] as const) {
      const h = hedged.get(id) ?? { lots: new Dec(0), with: other };
      h.lots = Dec.min(new Dec(deals.get(id)?.lots ?? 0), h.lots.plus(p.matched));
      hedged.set(id, h);
    }
  const byCustomer = new Map<string, string[]>();
  for (const id of hedged.keys()) {
    const c = deals.get(id)?.customer_id as string;
    byCustomer.set(c, [...(byCustomer.get(c) ?? []), id]);
  }
  const totals = new Map(
    (
      await db.query<{ customer_id: string; lots: string }>(
        `SELECT customer_id, sum(lots)::text AS lots FROM deals WHERE customer_id = ANY($1::text[]) AND close_time >= $2::timestamptz AND close_time <= $3::timestamptz GROUP BY customer_id`,
        [[...byCustomer.keys()], w.since, w.now],
      )
    ).map((r) => [r.customer_id, new Dec(r.lots)]),
  );
  const out: Finding[] = [];
  for (const [customerId, ids] of byCustomer) {
    const lots = ids.reduce((s, id) => s.plus(hedged.get(id)!.lots), new Dec(0));
    const total = totals.get(customerId) ?? lots;
    const share = total.isZero() ? new Dec(0) : lots.div(total);
    if (lots.lessThan(rules.min_lots) || share.lessThan(rules.min_share)) continue;
    const list = ids.map((id) => ({ ...deals.get(id)!, matched_with: hedged.get(id)!.with })).sort((x, y) => (x.close_time < y.close_time ? -1 : 1));
    const others = [...new Set(list.map((d) => deals.get(d.matched_with)?.customer_id).filter((c): c is string => !!c && c !== customerId))];
    out.push({
      subject_type: 'customer',
      subject_id: customerId,
      signal: 'hedging',
      score: scaled(rules.weight, share),
      summary: `${lots.toFixed()} of ${total.toFixed()} lots hedged by opposite deals opened within ${rules.window_seconds} s${others.length ? ` (with ${others.join(', ')})` : ' (on its own account)'}`,
      evidence: { deals: list.slice(0, EVIDENCE_LIMIT), accounts: others.map((c) => ({ customer_id: c })), figures: { hedged_lots: lots.toFixed(), lots: total.toFixed(), share: share.toDecimalPlaces(4).toFixed() } },
      excluded_deals: ids,
      date_from: day(list[0].close_time),
      date_to: day(list[list.length - 1].close_time),
    });
  }
  return out;
}

/** Short-trade volume farming: the share of a customer's lots in deals held less than `max_hold_seconds`. */
export async function shortTrades(db: Sql, rules: RiskRules['short_trades'], w: ScanWindow): Promise<Finding[]> {
  if (!rules.enabled) return [];
  const rows = await db.query<{ customer_id: string; short_deals: number; short_lots: string; lots: string; deals: string[]; first: string; last: string }>(
    `SELECT customer_id, count(*) FILTER (WHERE short)::int AS short_deals, coalesce(sum(lots) FILTER (WHERE short), 0)::text AS short_lots, sum(lots)::text AS lots,
            array_agg(deal_id ORDER BY close_time) FILTER (WHERE short) AS deals,
            min(close_time) FILTER (WHERE short)::text AS first, max(close_time) FILTER (WHERE short)::text AS last
     FROM (SELECT deal_id, customer_id, lots, close_time, open_time IS NOT NULL AND close_time - open_time < make_interval(secs => $3) AS short
           FROM deals WHERE close_time >= $1::timestamptz AND close_time <= $2::timestamptz) d
     GROUP BY customer_id
     HAVING count(*) FILTER (WHERE short) >= $4 AND sum(lots) > 0 AND coalesce(sum(lots) FILTER (WHERE short), 0) >= sum(lots) * $5::numeric`,
    [w.since, w.now, rules.max_hold_seconds, rules.min_deals, rules.min_share],
  );
  return rows.map((r) => {
    const share = new Dec(r.short_lots).div(r.lots);
    return {
      subject_type: 'customer',
      subject_id: r.customer_id,
      signal: 'short_trades',
      score: scaled(rules.weight, share),
      summary: `${r.short_lots} of ${r.lots} lots in ${r.short_deals} deals held less than ${rules.max_hold_seconds} s`,
      evidence: { figures: { short_deals: r.short_deals, short_lots: r.short_lots, lots: r.lots, share: share.toDecimalPlaces(4).toFixed() }, deal_ids: r.deals.slice(0, EVIDENCE_LIMIT) },
      excluded_deals: r.deals,
      date_from: day(r.first),
      date_to: day(r.last),
    } satisfies Finding;
  });
}

/**
 * Linked accounts: customers sharing identifiers (sign-up network, device, payment instrument,
 * phone, email, address). A customer's score is the strongest link: the weights of the kinds it
 * shares with one other customer, added. Only customers who signed up in the window are scanned;
 * a value shared by more than `max_shared` customers (a mobile carrier's NAT, a shared office
 * device) links nobody: bursts and the other identifiers still see those customers.
 */
export async function linkedAccounts(db: Sql, rules: RiskRules['linked_accounts'], w: ScanWindow): Promise<Finding[]> {
  if (!rules.enabled) return [];
  const rows = await db.query<{ customer_id: string; other: string; kinds: string[]; signup: string; other_signup: string }>(
    `WITH shared AS MATERIALIZED (
       SELECT kind, value_hash FROM customer_identifiers GROUP BY kind, value_hash HAVING count(*) BETWEEN 2 AND $3),
     ids AS MATERIALIZED (SELECT i.customer_id, i.kind, i.value_hash FROM customer_identifiers i JOIN shared s ON s.kind = i.kind AND s.value_hash = i.value_hash)
     SELECT a.customer_id, b.customer_id AS other, array_agg(a.kind ORDER BY a.kind) AS kinds, min(ca.signup_date)::text AS signup, min(cb.signup_date)::text AS other_signup
     FROM ids a
     JOIN customers ca ON ca.customer_id = a.customer_id AND ca.signup_date >= $1::timestamptz AND ca.signup_date <= $2::timestamptz
     JOIN ids b ON b.kind = a.kind AND b.value_hash = a.value_hash AND b.customer_id <> a.customer_id
     JOIN customers cb ON cb.customer_id = b.customer_id
     GROUP BY a.customer_id, b.customer_id`,
    [w.since, w.now, rules.max_shared],
  );
  const weightOf = (kinds: string[]) => Math.min(100, kinds.reduce((s, k) => s + (rules.weights[k as keyof typeof rules.weights] ?? 0), 0));
  const by = new Map<string, typeof rows>();
  for (const r of rows) by.set(r.customer_id, [...(by.get(r.customer_id) ?? []), r]);
  const out: Finding[] = [];
  for (const [customerId, links] of by) {
    links.sort((x, y) => weightOf(y.kinds) - weightOf(x.kinds) || (x.other < y.other ? -1 : 1));
    const score = weightOf(links[0].kinds);
    if (score === 0) continue;
    out.push({
      subject_type: 'customer',
      subject_id: customerId,
      signal: 'linked_accounts',
      score,
      summary: `shares ${links[0].kinds.join(', ')} with ${links[0].other}${links.length > 1 ? ` and identifiers with ${links.length - 1} more` : ''}`,
      evidence: { accounts: links.slice(0, EVIDENCE_LIMIT).map((l) => ({ customer_id: l.other, shared: l.kinds, signup_date: l.other_signup })), identifiers: [...new Set(links.flatMap((l) => l.kinds))] },
      reverses_cpa: true,
      date_from: day(links[0].signup),
      date_to: day(w.now),
    });
  }
  return out;
}

/** CPA deposit-and-run: most of the first deposit withdrawn soon after it, with (almost) no trading. */
export async function cpaDepositRun(db: Sql, rules: RiskRules['cpa_deposit_run'], w: ScanWindow): Promise<Finding[]> {
  if (!rules.enabled) return [];
  const rows = await db.query<{ customer_id: string; deposit: string; withdrawn: string; currency: string; deposited_at: string; lots: string }>(
    `WITH first AS (
       SELECT DISTINCT ON (customer_id) customer_id, amount, currency, transaction_date
       FROM transactions WHERE transaction_type = 'deposit' AND status = 'approved'
       ORDER BY customer_id, transaction_date, transaction_id)
     SELECT f.customer_id, f.amount::text AS deposit, sum(abs(t.amount))::text AS withdrawn, f.currency::text AS currency, f.transaction_date::text AS deposited_at,
            coalesce((SELECT sum(a.lots_traded) FROM trading_activity a WHERE a.customer_id = f.customer_id), 0)::text AS lots
     FROM first f
     JOIN transactions t ON t.customer_id = f.customer_id AND t.transaction_type = 'withdrawal' AND t.status IN ('pending', 'approved') AND t.currency = f.currency
       AND t.transaction_date >= f.transaction_date AND t.transaction_date <= f.transaction_date + make_interval(hours => $3)
     WHERE f.transaction_date >= $1::timestamptz AND f.transaction_date <= $2::timestamptz
     GROUP BY f.customer_id, f.amount, f.currency, f.transaction_date
     HAVING sum(abs(t.amount)) >= abs(f.amount) * $4::numeric`,
    [w.since, w.now, rules.withdraw_within_hours, rules.min_withdrawn_share],
  );
  return rows
    .filter((r) => new Dec(r.lots).lessThanOrEqualTo(rules.max_lots))
    .map((r) => ({
      subject_type: 'customer' as const,
      subject_id: r.customer_id,
      signal: 'cpa_deposit_run' as const,
      score: rules.weight,
      summary: `first deposit of ${r.deposit} ${r.currency}, ${r.withdrawn} withdrawn within ${rules.withdraw_within_hours} h, ${r.lots} lots traded`,
      evidence: { figures: { first_deposit: r.deposit, withdrawn: r.withdrawn, currency: r.currency, lots: r.lots, deposited_at: r.deposited_at } },
      reverses_cpa: true,
      date_from: day(r.deposited_at),
      date_to: day(r.deposited_at),
    }));
}

/** Sign-up bursts: at least `min_signups` customers from one network inside `window_minutes`. */
export async function signupBurst(db: Sql, rules: RiskRules['signup_burst'], w: ScanWindow): Promise<Finding[]> {
  if (!rules.enabled) return [];
  const rows = await db.query<{ customer_id: string; signup: string; accounts: string[] }>(
    `SELECT ca.customer_id, min(ca.signup_date)::text AS signup, array_agg(cb.customer_id ORDER BY cb.signup_date, cb.customer_id) AS accounts
     FROM customer_identifiers ia
     JOIN customers ca ON ca.customer_id = ia.customer_id AND ca.signup_date >= $1::timestamptz AND ca.signup_date <= $2::timestamptz
     JOIN customer_identifiers ib ON ib.kind = 'ip_prefix' AND ib.value_hash = ia.value_hash
     JOIN customers cb ON cb.customer_id = ib.customer_id
       AND cb.signup_date BETWEEN ca.signup_date - make_interval(mins => $3) AND ca.signup_date + make_interval(mins => $3)
     WHERE ia.kind = 'ip_prefix'
     GROUP BY ca.customer_id HAVING count(*) >= $4`,
    [w.since, w.now, rules.window_minutes, rules.min_signups],
  );
  return rows.map((r) => ({
    subject_type: 'customer' as const,
    subject_id: r.customer_id,
    signal: 'signup_burst' as const,
    score: rules.weight,
    summary: `${r.accounts.length} sign-ups from one network within ${rules.window_minutes} min`,
    evidence: { accounts: r.accounts.filter((c) => c !== r.customer_id).slice(0, EVIDENCE_LIMIT).map((c) => ({ customer_id: c })), identifiers: ['ip_prefix'] },
    reverses_cpa: true,
    date_from: day(r.signup),
    date_to: day(r.signup),
  }));
}

/** Bot traffic per partner: the share of its clicks a rule marked as bots (data-centre ranges, bot user agents). */
export async function botClicks(db: Sql, rules: RiskRules['bot_clicks'], w: ScanWindow): Promise<Finding[]> {
  if (!rules.enabled) return [];
  const rows = await db.query<{ partner_id: string; clicks: number; bots: number; reasons: string[]; first: string; last: string }>(
    `SELECT partner_id, count(*)::int AS clicks, count(*) FILTER (WHERE bot_reason IS NOT NULL)::int AS bots,
            coalesce(array_agg(DISTINCT bot_reason) FILTER (WHERE bot_reason IS NOT NULL), '{}') AS reasons, min(clicked_at)::text AS first, max(clicked_at)::text AS last
     FROM clicks WHERE clicked_at >= $1::timestamptz AND clicked_at <= $2::timestamptz
     GROUP BY partner_id HAVING count(*) >= $3 AND count(*) FILTER (WHERE bot_reason IS NOT NULL) >= count(*) * $4::numeric`,
    [w.since, w.now, rules.min_clicks, rules.min_share],
  );
  return rows.map((r) => {
    const share = new Dec(r.bots).div(r.clicks);
    return {
      subject_type: 'partner' as const,
      subject_id: r.partner_id,
      signal: 'bot_clicks' as const,
      score: scaled(rules.weight, share),
      summary: `${r.bots} of ${r.clicks} clicks marked as bots (${r.reasons.join(', ')})`,
      evidence: { figures: { clicks: r.clicks, bots: r.bots, share: share.toDecimalPlaces(4).toFixed() }, identifiers: r.reasons },
      // The window slides with every scan: a decided case comes back at most once a month.
      key: [w.now.slice(0, 7)],
      date_from: day(r.first),
      date_to: day(r.last),
    };
  });
}

/** Impossible click → sign-up timings: a registration less than `min_click_to_signup_seconds` after its click (or before it). */
export async function fastSignups(db: Sql, rules: RiskRules['bot_clicks'], w: ScanWindow): Promise<Finding[]> {
  if (!rules.enabled) return [];
  const rows = await db.query<{ customer_id: string; click_id: string; seconds: string; signup: string }>(
    `SELECT c.customer_id, k.click_id, extract(epoch FROM c.signup_date - k.clicked_at)::text AS seconds, c.signup_date::text AS signup
     FROM customers c JOIN clicks k ON k.click_id = c.click_id
     WHERE c.signup_date >= $1::timestamptz AND c.signup_date <= $2::timestamptz AND c.signup_date - k.clicked_at < make_interval(secs => $3)`,
    [w.since, w.now, rules.min_click_to_signup_seconds],
  );
  return rows.map((r) => ({
    subject_type: 'customer' as const,
    subject_id: r.customer_id,
    signal: 'fast_signup' as const,
    score: rules.signup_weight,
    summary: `registered ${new Dec(r.seconds).toDecimalPlaces(1).toFixed()} s after the click ${r.click_id}`,
    evidence: { figures: { click_id: r.click_id, seconds: new Dec(r.seconds).toDecimalPlaces(3).toFixed() } },
    key: [r.click_id],
    reverses_cpa: true,
    date_from: day(r.signup),
    date_to: day(r.signup),
  }));
}

/** Payout hijacking: payout details changed (not first entered) within `days` before now. */
export async function payoutDetailsChange(db: Sql, rules: RiskRules['payout_details_change'], w: ScanWindow): Promise<Finding[]> {
  if (!rules.enabled) return [];
  const rows = await db.query<{ partner_id: string; updated_at: string; updated_by: string; method: string }>(
    `SELECT partner_id, updated_at::text AS updated_at, updated_by, method FROM partner_payout_details
     WHERE updated_at >= $1::timestamptz - make_interval(days => $2) AND updated_at <= $1::timestamptz AND updated_at > created_at`,
    [w.now, rules.days],
  );
  return rows.map((r) => ({
    subject_type: 'partner' as const,
    subject_id: r.partner_id,
    signal: 'payout_details_change' as const,
    score: rules.weight,
    summary: `payout details (${r.method}) changed by ${r.updated_by} on ${r.updated_at.slice(0, 16)}`,
    evidence: { figures: { changed_at: r.updated_at, changed_by: r.updated_by, method: r.method } },
    key: [r.updated_at],
    date_from: day(r.updated_at),
    date_to: day(r.updated_at),
  }));
}

/** Every signal of one rule set over one window. */
export async function computeSignals(db: Sql, rules: RiskRules, w: ScanWindow): Promise<Finding[]> {
  return [
    ...(await hedging(db, rules.hedging, w)),
    ...(await shortTrades(db, rules.short_trades, w)),
    ...(await linkedAccounts(db, rules.linked_accounts, w)),
    ...(await cpaDepositRun(db, rules.cpa_deposit_run, w)),
    ...(await signupBurst(db, rules.signup_burst, w)),
    ...(await botClicks(db, rules.bot_clicks, w)),
    ...(await fastSignups(db, rules.bot_clicks, w)),
    ...(await payoutDetailsChange(db, rules.payout_details_change, w)),
  ];
}
