-- Reporting rollups: per partner × business day, maintained by the rollups worker from the facts
-- (recomputing the touched keys, never applying deltas) and rebuildable with `openib rollups rebuild`.
-- Amounts are in USD (the reporting currency), converted on the fact's business day; a fact
-- without a rate is left out of the sums and counted in `unconverted`.

CREATE TABLE report_partner_daily (
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
  unconverted int NOT NULL DEFAULT 0,
  PRIMARY KEY (partner_id, day)
);
CREATE INDEX report_partner_daily_day_idx ON report_partner_daily (day, partner_id);

CREATE TABLE report_partner_instrument_daily (
  partner_id text NOT NULL,
  day date NOT NULL,
  instrument text NOT NULL,
  lots numeric NOT NULL DEFAULT 0,
  notional numeric NOT NULL DEFAULT 0,
  traders int NOT NULL DEFAULT 0,
  PRIMARY KEY (partner_id, day, instrument)
);

-- The funnel per link and campaign; link_id/campaign_id '' for customers who came without one.
CREATE TABLE report_link_daily (
  partner_id text NOT NULL,
  day date NOT NULL,
  link_id text NOT NULL,
  campaign_id text NOT NULL,
  clicks int NOT NULL DEFAULT 0,
  registrations int NOT NULL DEFAULT 0,
  ftd_count int NOT NULL DEFAULT 0,
  ftd_amount numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (partner_id, day, link_id, campaign_id)
);

-- One row per customer: its current owner, how it was acquired, and its lifetime totals.
CREATE TABLE report_customers (
  customer_id text PRIMARY KEY,
  partner_id text,
  acquired_by text,
  channel text NOT NULL,
  campaign_id text,
  link_id text,
  signup_date timestamptz NOT NULL,
  kyc_status_id text,
  ftd_at timestamptz,
  ftd_amount numeric,
  deposits numeric NOT NULL DEFAULT 0,
  withdrawals numeric NOT NULL DEFAULT 0,
  lots numeric NOT NULL DEFAULT 0,
  notional numeric NOT NULL DEFAULT 0,
  last_activity date
);
CREATE INDEX report_customers_partner_idx ON report_customers (partner_id, signup_date, customer_id);
CREATE INDEX report_customers_channel_idx ON report_customers (channel, campaign_id);

-- How far the rollups worker has read the outbox (in commit order, like the commission engine).
CREATE TABLE report_event_position (
  id int PRIMARY KEY CHECK (id = 1),
  last_txid xid8 NOT NULL DEFAULT '0',
  last_event_id bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO report_event_position (id) VALUES (1);
