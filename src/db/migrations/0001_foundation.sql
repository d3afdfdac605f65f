-- Foundation: settings, API clients, broker data (customers, transactions, daily trading activity),
-- domain events and idempotency keys.

CREATE TABLE settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_clients (
  client_id text PRIMARY KEY,
  name text NOT NULL,
  secret_hash text NOT NULL,
  scopes text[] NOT NULL,
  partner_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);

CREATE TABLE customers (
  seq bigserial NOT NULL UNIQUE,
  customer_id text PRIMARY KEY,
  signup_date timestamptz NOT NULL,
  last_modified_date timestamptz,
  affiliate_id text,
  campaign_id text,
  click_id text,
  lang_id text,
  country_code text,
  kyc_status_id text,
  sales_status_id text,
  trading_account_type text,
  leverage text,
  first_name text,
  last_name text,
  email text,
  first_deposit_at timestamptz,
  first_deposit_transaction_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_affiliate_idx ON customers (affiliate_id, seq);
CREATE INDEX customers_kyc_idx ON customers (kyc_status_id, seq);
CREATE INDEX customers_signup_idx ON customers (signup_date);
CREATE INDEX customers_updated_idx ON customers (updated_at);

CREATE TABLE transactions (
  seq bigserial NOT NULL UNIQUE,
  transaction_id text PRIMARY KEY,
  customer_id text NOT NULL REFERENCES customers (customer_id),
  transaction_type text NOT NULL,
  amount numeric NOT NULL,
  currency char(3) NOT NULL,
  transaction_date timestamptz NOT NULL,
  status text NOT NULL,
  payment_method text,
  comment text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT transactions_type_check CHECK (transaction_type IN ('deposit','withdrawal','ib_rebate','bonus','adjustment','chargeback')),
  CONSTRAINT transactions_status_check CHECK (status IN ('pending','approved','rejected','cancelled'))
);
CREATE INDEX transactions_customer_idx ON transactions (customer_id, transaction_date);
CREATE INDEX transactions_date_idx ON transactions (transaction_date);
CREATE INDEX transactions_type_status_idx ON transactions (transaction_type, status, seq);

CREATE TABLE trading_activity (
  seq bigserial NOT NULL UNIQUE,
  date date NOT NULL,
  customer_id text NOT NULL REFERENCES customers (customer_id),
  instrument text NOT NULL,
  currency char(3) NOT NULL,
  lots_traded numeric NOT NULL,
  volume_usd numeric,
  spread_cost numeric,
  commission numeric,
  pnl numeric,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (date, customer_id, instrument, currency)
);
CREATE INDEX trading_activity_customer_idx ON trading_activity (customer_id, date);
CREATE INDEX trading_activity_instrument_idx ON trading_activity (instrument, date);

-- The outbox: every accepted change writes one row here in the same transaction.
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  type text NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  subject_type text NOT NULL,
  subject_id text NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX events_type_idx ON events (type, id);
CREATE INDEX events_subject_idx ON events (subject_type, subject_id, id);

CREATE TABLE idempotency_keys (
  client_id text NOT NULL,
  key text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  request_hash text NOT NULL,
  status_code int NOT NULL,
  response_body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
