-- Reporting rollups for large trees and long periods, maintained by the rollups worker beside
-- report_partner_daily and rebuilt by `openib rollups rebuild`:
-- * report_subtree_daily: per partner × day, the totals of the partner and everyone below it in the
--   current tree (the sum of report_partner_daily over partner_tree). The worker adds the change of
--   every own row it rewrites to the rows of the partner's ancestors; a tree move recomputes the old
--   and new ancestor chains from the closure table. Rows whose every figure is 0 are not kept.
-- * report_partner_monthly / report_subtree_monthly: the same per calendar month (month = its first
--   day), recomputed from the daily rows of the touched months. Reports read whole months from here
--   and the days at either end of a period from the daily tables.

CREATE TABLE report_subtree_daily (
  partner_id text NOT NULL,
  day date NOT NULL,
  clicks int NOT NULL DEFAULT 0,
  registrations int NOT NULL DEFAULT 0,
  ftd_count int NOT NULL DEFAULT 0,
  ftd_amount numeric NOT NULL DEFAULT 0,
  deposits numeric NOT NULL DEFAULT 0,
  withdrawals numeric NOT NULL DEFAULT 0,
  net_deposits numeric NOT NULL DEFAULT 0,
  lots numeric NOT NULL DEFAULT 0,
  notional numeric NOT NULL DEFAULT 0,
  commission_pending numeric NOT NULL DEFAULT 0,
  commission_approved numeric NOT NULL DEFAULT 0,
  commission_paid numeric NOT NULL DEFAULT 0,
  commission_reversed numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (partner_id, day)
);

CREATE TABLE report_partner_monthly (LIKE report_subtree_daily INCLUDING DEFAULTS);
ALTER TABLE report_partner_monthly RENAME COLUMN day TO month;
ALTER TABLE report_partner_monthly ADD PRIMARY KEY (partner_id, month);
CREATE INDEX report_partner_monthly_month_idx ON report_partner_monthly (month, partner_id);

CREATE TABLE report_subtree_monthly (LIKE report_partner_monthly INCLUDING DEFAULTS);
ALTER TABLE report_subtree_monthly ADD PRIMARY KEY (partner_id, month);

-- The customers report pages a subtree's newest signups; the overview's cohort is one signup range.
CREATE INDEX report_customers_signup_idx ON report_customers (signup_date, partner_id);
