/*
 * The set-based statements that derive the rollups from the facts for a set of keys
 * k(partner_id, d_from, d_to): every fact a keyed partner owned on a business day in its range.
 * Ownership of a day is the owner at the end of that business day in the broker's time zone, the
 * commission engine's rule: ((day + 1)::timestamp AT TIME ZONE tz).
 * Parameters: $1 partner ids, $2 first days, $3 last days ('-infinity'/'infinity' allowed), $4 time zone.
 */

const EOD = (day: string) => `((${day} + 1)::timestamp AT TIME ZONE $4)`;
// The first deposit in USD, looked up by its primary key (few rows: fx_rate per row is affordable).
const FTD_USD = (tz: string) =>
  `CASE WHEN ft.currency = 'USD' THEN ft.amount ELSE ft.amount * fx_rate((c.first_deposit_at AT TIME ZONE ${tz})::date, ft.currency, 'USD') END`;
const OWNED = (day: string) => `o.effective_from < ${EOD(day)} AND (o.effective_to IS NULL OR o.effective_to >= ${EOD(day)})`;
const KEYS_AND_OWNERSHIP = `
k AS (SELECT * FROM unnest($1::text[], $2::date[], $3::date[]) AS k(partner_id, d_from, d_to)),
o AS (
  SELECT t.customer_id, t.partner_id, t.effective_from, t.effective_to, t.link_id, t.campaign_id, k.d_from, k.d_to
  FROM attributions t JOIN k ON k.partner_id = t.partner_id WHERE t.superseded_at IS NULL),
first_from AS (
  SELECT customer_id, min(effective_from) AS effective_from FROM attributions
  WHERE superseded_at IS NULL AND customer_id IN (SELECT customer_id FROM o) GROUP BY customer_id),
act AS (
  SELECT o.partner_id, a.date AS day, a.instrument, a.customer_id, a.lots_traded, coalesce(a.volume_usd, 0) AS notional
  FROM o JOIN trading_activity a ON a.customer_id = o.customer_id AND a.date BETWEEN o.d_from AND o.d_to
  WHERE ${OWNED('a.date')}),
money AS MATERIALIZED (
  SELECT t.transaction_id, t.customer_id, t.transaction_type, t.status, t.amount, t.currency, (t.transaction_date AT TIME ZONE $4)::date AS day
  FROM transactions t
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
  FROM o JOIN customers c ON c.customer_id = o.customer_id
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
  WHERE (c.clicked_at AT TIME ZONE $4)::date BETWEEN k.d_from AND k.d_to),
com_raw AS MATERIALIZED (
  SELECT e.partner_id, e.fact_date AS day, coalesce(s.status, 'pending') AS status, e.amount, e.currency
  FROM ledger_entries e JOIN k ON k.partner_id = e.partner_id AND e.fact_date BETWEEN k.d_from AND k.d_to
  LEFT JOIN ledger_entry_status s ON s.entry_id = e.id),
com_rates AS MATERIALIZED (
  SELECT day, currency, fx_rate(day, currency, 'USD') AS rate FROM (SELECT DISTINCT day, currency FROM com_raw WHERE currency <> 'USD') d),
com AS (
  SELECT c.partner_id, c.day, c.status, CASE WHEN c.currency = 'USD' THEN c.amount ELSE c.amount * r.rate END AS usd
  FROM com_raw c LEFT JOIN com_rates r ON r.day = c.day AND r.currency = c.currency)`;

const ZERO_DAILY = { clicks: '0', registrations: '0', ftd_count: '0', ftd_amount: '0', deposits: '0', withdrawals: '0', lots: '0', notional: '0', commission_pending: '0', commission_approved: '0', commission_paid: '0', commission_reversed: '0', unconverted: '0' };
const DAILY_COLUMNS = Object.keys(ZERO_DAILY);
const part = (from: string, values: Partial<typeof ZERO_DAILY>) =>
  `SELECT partner_id, day, ${DAILY_COLUMNS.map((c) => `${values[c as keyof typeof ZERO_DAILY] ?? '0'}::numeric AS ${c}`).join(', ')} FROM ${from} GROUP BY partner_id, day`;

/** Inserts the three partner rollups for the keys (their old rows must be deleted first). */
export const INSERT_PARTNER_ROLLUPS = `
WITH ${KEYS_AND_OWNERSHIP},
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
  RETURNING partner_id
), instrument_ins AS (
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
