/*
 * The set-based statements that derive the rollups from the facts for a set of keys
 * k(partner_id, d_from, d_to): every fact a keyed partner owned on a business day in its range.
 * Ownership of a day is the owner at the end of that business day in the broker's time zone, the
 * commission engine's rule: ((day + 1)::timestamp AT TIME ZONE tz).
 * Parameters: $1 partner ids, $2 first days, $3 last days ('-infinity'/'infinity' allowed), $4 time zone,
 * $5/$6 the first and last day over all keys: constants the planner sees, so a round that touches one
 * day reads that day's transactions and signups through their date indexes, not every fact of the partners' clients.
 */
/**
 * A fact table filtered to the span: for a narrow span (a few weeks at most) read first through its
 * date index (OFFSET 0 keeps the planner from probing it client by client instead), else as a filter.
 */
const FENCE = (narrow: boolean, table: string, span: string) => {
  const alias = table.split(' ')[1];
  return `(SELECT * FROM ${table} WHERE ${span}${narrow ? ' OFFSET 0' : ''}) ${alias}`;
};
const SPAN = (col: string) => `${col} >= ($5::date)::timestamp AT TIME ZONE $4 AND ${col} < ($6::date + 1)::timestamp AT TIME ZONE $4`;

const EOD = (day: string) => `((${day} + 1)::timestamp AT TIME ZONE $4)`;
// The first deposit in USD, looked up by its primary key (few rows: fx_rate per row is affordable).
const FTD_USD = (tz: string) =>
  `CASE WHEN ft.currency = 'USD' THEN ft.amount ELSE ft.amount * fx_rate((c.first_deposit_at AT TIME ZONE ${tz})::date, ft.currency, 'USD') END`;
const OWNED = (day: string) => `o.effective_from < ${EOD(day)} AND (o.effective_to IS NULL OR o.effective_to >= ${EOD(day)})`;
const KEYS_AND_OWNERSHIP = (narrow: boolean) => `
k AS (SELECT * FROM unnest($1::text[], $2::date[], $3::date[]) AS k(partner_id, d_from, d_to)),
o AS (
  SELECT t.customer_id, t.partner_id, t.effective_from, t.effective_to, t.link_id, t.campaign_id, k.d_from, k.d_to
  FROM attributions t JOIN k ON k.partner_id = t.partner_id WHERE t.superseded_at IS NULL),
-- The clients who signed up or first deposited within the keys' span, and their first owner.
reg_c AS MATERIALIZED (
  SELECT c.* FROM ${FENCE(narrow, 'customers c', `(${SPAN('c.signup_date')}) OR (${SPAN('c.first_deposit_at')})`)}
  WHERE c.customer_id IN (SELECT customer_id FROM o)),
first_from AS (
  SELECT customer_id, min(effective_from) AS effective_from FROM attributions
  WHERE superseded_at IS NULL AND customer_id IN (SELECT customer_id FROM reg_c) GROUP BY customer_id),
act AS (
  SELECT o.partner_id, a.date AS day, a.instrument, a.customer_id, a.lots_traded, coalesce(a.volume_usd, 0) AS notional
  FROM o JOIN trading_activity a ON a.customer_id = o.customer_id AND a.date BETWEEN o.d_from AND o.d_to AND a.date BETWEEN $5::date AND $6::date
  WHERE ${OWNED('a.date')}),
money AS MATERIALIZED (
  SELECT t.transaction_id, t.customer_id, t.transaction_type, t.status, t.amount, t.currency, (t.transaction_date AT TIME ZONE $4)::date AS day
  FROM ${FENCE(narrow, 'transactions t', SPAN('t.transaction_date'))}
  WHERE t.transaction_type IN ('deposit', 'withdrawal') AND t.customer_id IN (SELECT customer_id FROM o)),
-- fx_rate once per (day, currency), not once per row.
rates AS MATERIALIZED (
  SELECT day, currency, fx_rate(day, currency, 'USD') AS rate FROM (SELECT DISTINCT day, currency FROM money WHERE currency <> 'USD') d),
money_usd AS (
  SELECT m.*, CASE WHEN m.currency = 'USD' THEN m.amount ELSE m.amount * r.rate END AS usd
  FROM money m LEFT JOIN rates r ON r.day = m.day AND r.currency = m.currency),
trx AS (
  SELECT o.partner_id, x.day, x.transaction_type, x.usd
  FROM o JOIN money_usd x ON x.customer_id = o.customer_id AND x.day BETWEEN o.d_from AND o.d_to
  WHERE x.status = 'approved' AND ${OWNED('x.day')}),
-- Registrations and first deposits: the owner at the end of that day; a customer nobody owned
-- that day (attributed later, e.g. waiting for its partner to be created) counts for its first owner.
reg AS (
  SELECT o.partner_id, o.effective_from, o.effective_to, o.d_from, o.d_to, o.effective_from = f.effective_from AS first_owner,
         c.customer_id, (c.signup_date AT TIME ZONE $4)::date AS day, coalesce(o.link_id, '') AS link_id,
         coalesce(o.campaign_id, l.campaign_id, c.campaign_id, '') AS campaign_id,
         (c.first_deposit_at AT TIME ZONE $4)::date AS ftd_day,
         ${FTD_USD('$4')} AS ftd_usd
  FROM o JOIN reg_c c ON c.customer_id = o.customer_id
  JOIN first_from f ON f.customer_id = o.customer_id
  LEFT JOIN links l ON l.link_id = o.link_id
  LEFT JOIN transactions ft ON ft.transaction_id = c.first_deposit_transaction_id
  WHERE (c.signup_date AT TIME ZONE $4)::date BETWEEN o.d_from AND o.d_to OR (c.first_deposit_at AT TIME ZONE $4)::date BETWEEN o.d_from AND o.d_to),
reg_owned AS (
  SELECT o.* FROM reg o WHERE o.day BETWEEN o.d_from AND o.d_to AND (${OWNED('o.day')} OR (o.first_owner AND o.effective_from >= ${EOD('o.day')}))),
ftd_owned AS (
  SELECT o.* FROM reg o WHERE o.ftd_day BETWEEN o.d_from AND o.d_to AND (${OWNED('o.ftd_day')} OR (o.first_owner AND o.effective_from >= ${EOD('o.ftd_day')}))),
clk AS (
  SELECT c.partner_id, (c.clicked_at AT TIME ZONE $4)::date AS day, c.link_id, coalesce(l.campaign_id, '') AS campaign_id
  FROM clicks c JOIN k ON k.partner_id = c.partner_id LEFT JOIN links l ON l.link_id = c.link_id
  WHERE (c.clicked_at AT TIME ZONE $4)::date BETWEEN k.d_from AND k.d_to AND c.bot_reason IS NULL),
com_raw AS MATERIALIZED (
  SELECT e.partner_id, e.fact_date AS day, coalesce(s.status, e.initial_status, 'pending') AS status, e.amount, e.currency
  FROM ledger_entries e JOIN k ON k.partner_id = e.partner_id AND e.fact_date BETWEEN k.d_from AND k.d_to
  LEFT JOIN ledger_entry_status s ON s.entry_id = e.id),
com_rates AS MATERIALIZED (
  SELECT day, currency, fx_rate(day, currency, 'USD') AS rate FROM (SELECT DISTINCT day, currency FROM com_raw WHERE currency <> 'USD') d),
com AS (
  SELECT c.partner_id, c.day, c.status, CASE WHEN c.currency = 'USD' THEN c.amount ELSE c.amount * r.rate END AS usd
  FROM com_raw c LEFT JOIN com_rates r ON r.day = c.day AND r.currency = c.currency)`;

/** The KPIs the subtree and monthly rollups hold (report_partner_daily's, less `unconverted`). */
export const ROLLUP_METRICS = ['clicks', 'registrations', 'ftd_count', 'ftd_amount', 'deposits', 'withdrawals', 'net_deposits', 'lots', 'notional',
  'commission_pending', 'commission_approved', 'commission_paid', 'commission_reversed'] as const;
const M = ROLLUP_METRICS.join(', ');

/**
 * Adds (sign '') or subtracts (sign '-') own daily rows `src` to the subtree rows of every ancestor
 * of their partner in the current tree (the partner itself included: depth 0).
 */
const ADD_TO_ANCESTORS = (src: string, sign: '' | '-') => `
  INSERT INTO report_subtree_daily AS s (partner_id, day, ${M})
  SELECT t.ancestor_id, o.day, ${ROLLUP_METRICS.map((m) => `${sign}sum(o.${m})`).join(', ')}
  FROM ${src} o JOIN partner_tree t ON t.descendant_id = o.partner_id GROUP BY t.ancestor_id, o.day
  ON CONFLICT (partner_id, day) DO UPDATE SET ${ROLLUP_METRICS.map((m) => `${m} = s.${m} + EXCLUDED.${m}`).join(', ')}`;

/** Deletes the keys' own daily rows and takes them out of their ancestors' subtree rows. */
export const DELETE_DAILY_FROM_SUBTREES = `
WITH old AS (
  DELETE FROM report_partner_daily r USING unnest($1::text[], $2::date[], $3::date[]) AS k(partner_id, d_from, d_to)
  WHERE r.partner_id = k.partner_id AND r.day BETWEEN k.d_from AND k.d_to RETURNING r.*)
${ADD_TO_ANCESTORS('old', '-')}`;

/** The ancestors (self included) of the keys' partners, with the keys' day ranges merged per ancestor. */
const ANCESTOR_KEYS = `
  SELECT t.ancestor_id AS partner_id, min(k.d_from) AS d_from, max(k.d_to) AS d_to
  FROM unnest($1::text[], $2::date[], $3::date[]) AS k(partner_id, d_from, d_to) JOIN partner_tree t ON t.descendant_id = k.partner_id
  GROUP BY t.ancestor_id`;

/** Drops the subtree rows of the keys' ancestors that came to 0 in every figure (a rebuild never writes them). */
export const DELETE_ZERO_SUBTREE_ROWS = `
DELETE FROM report_subtree_daily s USING (${ANCESTOR_KEYS}) a
WHERE s.partner_id = a.partner_id AND s.day BETWEEN a.d_from AND a.d_to AND NOT (${ROLLUP_METRICS.map((m) => `s.${m} <> 0`).join(' OR ')})`;

/** Recomputes the subtree rows of the listed partners ($1) from scratch: the sum of own rows over the closure table. */
export const RECOMPUTE_SUBTREES = [
  'DELETE FROM report_subtree_daily WHERE partner_id = ANY($1::text[])',
  `INSERT INTO report_subtree_daily (partner_id, day, ${M})
   SELECT t.ancestor_id, r.day, ${ROLLUP_METRICS.map((m) => `sum(r.${m})`).join(', ')}
   FROM partner_tree t JOIN report_partner_daily r ON r.partner_id = t.descendant_id
   WHERE t.ancestor_id = ANY($1::text[]) GROUP BY t.ancestor_id, r.day HAVING ${ROLLUP_METRICS.map((m) => `sum(r.${m}) <> 0`).join(' OR ')}`,
];

const MONTH = (d: string) => `date_trunc('month', ${d}::timestamp)::date`;
/**
 * Recomputes the monthly rows of `monthly` from `daily` for the months the key ranges (SQL rows of
 * partner_id, d_from, d_to) overlap: a delete, then an insert.
 */
const monthly = (daily: string, monthlyTable: string, keys: string) => [
  `DELETE FROM ${monthlyTable} m USING (${keys}) k
   WHERE m.partner_id = k.partner_id AND m.month BETWEEN ${MONTH('k.d_from')} AND k.d_to`,
  `INSERT INTO ${monthlyTable} (partner_id, month, ${M})
   SELECT r.partner_id, ${MONTH('r.day')}, ${ROLLUP_METRICS.map((m) => `sum(r.${m})`).join(', ')}
   FROM ${daily} r JOIN (${keys}) k ON r.partner_id = k.partner_id
     AND r.day >= ${MONTH('k.d_from')} AND r.day < ${MONTH('k.d_to')} + interval '1 month'
   GROUP BY r.partner_id, ${MONTH('r.day')}`,
];
const KEYS = 'SELECT * FROM unnest($1::text[], $2::date[], $3::date[]) AS k(partner_id, d_from, d_to)';
/** The keys' own monthly rows, then their ancestors' subtree monthly rows ($1–$3 as for the keys). */
export const RECOMPUTE_MONTHS = [...monthly('report_partner_daily', 'report_partner_monthly', KEYS), ...monthly('report_subtree_daily', 'report_subtree_monthly', ANCESTOR_KEYS)];
/** Every subtree monthly row of the listed partners ($1). */
export const RECOMPUTE_SUBTREE_MONTHS = monthly('report_subtree_daily', 'report_subtree_monthly', `SELECT unnest($1::text[]) AS partner_id, '-infinity'::date AS d_from, 'infinity'::date AS d_to`);

const ZERO_DAILY = { clicks: '0', registrations: '0', ftd_count: '0', ftd_amount: '0', deposits: '0', withdrawals: '0', lots: '0', notional: '0', commission_pending: '0', commission_approved: '0', commission_paid: '0', commission_reversed: '0', unconverted: '0' };
const DAILY_COLUMNS = Object.keys(ZERO_DAILY);
const part = (from: string, values: Partial<typeof ZERO_DAILY>) =>
  `SELECT partner_id, day, ${DAILY_COLUMNS.map((c) => `${values[c as keyof typeof ZERO_DAILY] ?? '0'}::numeric AS ${c}`).join(', ')} FROM ${from} GROUP BY partner_id, day`;

/** Inserts the three partner rollups for the keys (their old rows must be deleted first). */
export const insertPartnerRollups = (subtrees: boolean, narrow = false) => `
WITH ${KEYS_AND_OWNERSHIP(narrow)},
daily AS (
  ${part('clk', { clicks: 'count(*)' })}
  UNION ALL ${part('reg_owned', { registrations: 'count(*)' })}
  UNION ALL SELECT partner_id, ftd_day, 0, 0, count(*), coalesce(sum(ftd_usd), 0), 0, 0, 0, 0, 0, 0, 0, 0, count(*) FILTER (WHERE ftd_usd IS NULL)
    FROM ftd_owned GROUP BY partner_id, ftd_day
  UNION ALL ${part('trx', {
    deposits: `coalesce(sum(usd) FILTER (WHERE transaction_type = 'deposit'), 0)`,
    withdrawals: `coalesce(sum(usd) FILTER (WHERE transaction_type = 'withdrawal'), 0)`,
    unconverted: 'count(*) FILTER (WHERE usd IS NULL)',
  })}
  UNION ALL ${part('act', { lots: 'sum(lots_traded)', notional: 'sum(notional)' })}
  UNION ALL ${part('com', {
    commission_pending: `coalesce(sum(usd) FILTER (WHERE status = 'pending'), 0)`,
    commission_approved: `coalesce(sum(usd) FILTER (WHERE status = 'approved'), 0)`,
    commission_paid: `coalesce(sum(usd) FILTER (WHERE status = 'paid'), 0)`,
    commission_reversed: `coalesce(sum(usd) FILTER (WHERE status = 'reversed'), 0)`,
    unconverted: 'count(*) FILTER (WHERE usd IS NULL)',
  })}
), daily_ins AS (
  INSERT INTO report_partner_daily (partner_id, day, ${DAILY_COLUMNS.join(', ')}, net_deposits)
  SELECT partner_id, day, ${DAILY_COLUMNS.map((c) => (['clicks', 'registrations', 'ftd_count', 'unconverted'].includes(c) ? `sum(${c})::int` : `sum(${c})`)).join(', ')},
         sum(deposits) - sum(withdrawals)
  FROM daily GROUP BY partner_id, day
  RETURNING *
), ${subtrees ? `subtree_add AS (${ADD_TO_ANCESTORS('daily_ins', '')} RETURNING 1), ` : ''}instrument_ins AS (
  INSERT INTO report_partner_instrument_daily (partner_id, day, instrument, lots, notional, traders)
  SELECT partner_id, day, instrument, sum(lots_traded), sum(notional), count(DISTINCT customer_id) FROM act GROUP BY partner_id, day, instrument
  RETURNING partner_id
), funnel AS (
  SELECT partner_id, day, link_id, campaign_id, count(*) AS clicks, 0 AS registrations, 0 AS ftd_count, 0::numeric AS ftd_amount FROM clk GROUP BY 1, 2, 3, 4
  UNION ALL SELECT partner_id, day, link_id, campaign_id, 0, count(*), 0, 0 FROM reg_owned GROUP BY 1, 2, 3, 4
  UNION ALL SELECT partner_id, ftd_day, link_id, campaign_id, 0, 0, count(*), coalesce(sum(ftd_usd), 0) FROM ftd_owned GROUP BY 1, 2, 3, 4
), link_ins AS (
  INSERT INTO report_link_daily (partner_id, day, link_id, campaign_id, clicks, registrations, ftd_count, ftd_amount)
  SELECT partner_id, day, link_id, campaign_id, sum(clicks), sum(registrations), sum(ftd_count), sum(ftd_amount) FROM funnel GROUP BY 1, 2, 3, 4
  RETURNING partner_id
)
SELECT (SELECT count(*) FROM daily_ins)::int AS daily, (SELECT count(*) FROM instrument_ins)::int AS instrument, (SELECT count(*) FROM link_ins)::int AS links`;

/** For a rebuild: every subtree and monthly row from the (complete) own daily rows, in three scans. */
export const BUILD_ALL_SUBTREES_AND_MONTHS = [
  `INSERT INTO report_subtree_daily (partner_id, day, ${M})
   SELECT t.ancestor_id, r.day, ${ROLLUP_METRICS.map((m) => `sum(r.${m})`).join(', ')}
   FROM report_partner_daily r JOIN partner_tree t ON t.descendant_id = r.partner_id
   GROUP BY t.ancestor_id, r.day HAVING ${ROLLUP_METRICS.map((m) => `sum(r.${m}) <> 0`).join(' OR ')}`,
  ...[['report_partner_daily', 'report_partner_monthly'], ['report_subtree_daily', 'report_subtree_monthly']].map(([daily, monthlyTable]) =>
    `INSERT INTO ${monthlyTable} (partner_id, month, ${M})
     SELECT r.partner_id, ${MONTH('r.day')}, ${ROLLUP_METRICS.map((m) => `sum(r.${m})`).join(', ')} FROM ${daily} r GROUP BY r.partner_id, ${MONTH('r.day')}`),
];

/** Deletes the keys' rows of one rollup table. */
export const deleteKeys = (table: string) =>
  `DELETE FROM ${table} r USING unnest($1::text[], $2::date[], $3::date[]) AS k(partner_id, d_from, d_to)
   WHERE r.partner_id = k.partner_id AND r.day BETWEEN k.d_from AND k.d_to`;

/** Recomputes report_customers rows: all customers ($1 NULL) or the listed ones. $2 the time zone. */
export const UPSERT_CUSTOMERS = `
WITH sel AS MATERIALIZED (SELECT * FROM customers c WHERE $1::text[] IS NULL OR c.customer_id = ANY($1::text[])),
money AS MATERIALIZED (
  SELECT t.transaction_id, t.customer_id, t.transaction_type, t.status, t.amount, t.currency, (t.transaction_date AT TIME ZONE $2)::date AS day
  FROM transactions t WHERE t.transaction_type IN ('deposit', 'withdrawal') AND ($1::text[] IS NULL OR t.customer_id = ANY($1::text[]))),
rates AS MATERIALIZED (
  SELECT day, currency, fx_rate(day, currency, 'USD') AS rate FROM (SELECT DISTINCT day, currency FROM money WHERE currency <> 'USD') d),
money_usd AS (
  SELECT m.*, CASE WHEN m.currency = 'USD' THEN m.amount ELSE m.amount * r.rate END AS usd
  FROM money m LEFT JOIN rates r ON r.day = m.day AND r.currency = m.currency),
m AS (
  SELECT customer_id, sum(usd) FILTER (WHERE transaction_type = 'deposit') AS deposits, sum(usd) FILTER (WHERE transaction_type = 'withdrawal') AS withdrawals
  FROM money_usd WHERE status = 'approved' GROUP BY customer_id),
a AS (
  SELECT customer_id, sum(lots_traded) AS lots, sum(coalesce(volume_usd, 0)) AS notional, max(date) AS last_activity
  FROM trading_activity WHERE $1::text[] IS NULL OR customer_id = ANY($1::text[]) GROUP BY customer_id),
att AS (
  SELECT customer_id,
         (array_agg(partner_id ORDER BY effective_from DESC) FILTER (WHERE effective_from <= now() AND (effective_to IS NULL OR effective_to > now())))[1] AS current_id,
         (array_agg(partner_id ORDER BY effective_from))[1] AS first_id, (array_agg(source ORDER BY effective_from))[1] AS source,
         (array_agg(campaign_id ORDER BY effective_from))[1] AS campaign_id, (array_agg(link_id ORDER BY effective_from))[1] AS link_id
  FROM attributions WHERE superseded_at IS NULL AND ($1::text[] IS NULL OR customer_id = ANY($1::text[])) GROUP BY customer_id)
INSERT INTO report_customers AS r (customer_id, partner_id, acquired_by, channel, campaign_id, link_id, signup_date, kyc_status_id,
  ftd_at, ftd_amount, deposits, withdrawals, lots, notional, last_activity)
SELECT c.customer_id, att.current_id, att.first_id, coalesce(att.source, 'unattributed'),
       coalesce(att.campaign_id, l.campaign_id, c.campaign_id), att.link_id, c.signup_date, c.kyc_status_id, c.first_deposit_at, ${FTD_USD('$2')},
       coalesce(m.deposits, 0), coalesce(m.withdrawals, 0), coalesce(a.lots, 0), coalesce(a.notional, 0), a.last_activity
FROM sel c
LEFT JOIN att ON att.customer_id = c.customer_id
LEFT JOIN links l ON l.link_id = att.link_id
LEFT JOIN transactions ft ON ft.transaction_id = c.first_deposit_transaction_id
LEFT JOIN m ON m.customer_id = c.customer_id
LEFT JOIN a ON a.customer_id = c.customer_id
ON CONFLICT (customer_id) DO UPDATE SET partner_id = EXCLUDED.partner_id, acquired_by = EXCLUDED.acquired_by, channel = EXCLUDED.channel,
  campaign_id = EXCLUDED.campaign_id, link_id = EXCLUDED.link_id, signup_date = EXCLUDED.signup_date, kyc_status_id = EXCLUDED.kyc_status_id,
  ftd_at = EXCLUDED.ftd_at, ftd_amount = EXCLUDED.ftd_amount, deposits = EXCLUDED.deposits, withdrawals = EXCLUDED.withdrawals,
  lots = EXCLUDED.lots, notional = EXCLUDED.notional, last_activity = EXCLUDED.last_activity`;
