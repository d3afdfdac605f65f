-- Trading-platform logins mapped to the broker's customer ids: one customer, many logins; a login
-- belongs to one customer.

CREATE TABLE trading_accounts (
  seq bigserial NOT NULL UNIQUE,
  platform text NOT NULL,
  server text NOT NULL DEFAULT '',
  login text NOT NULL,
  customer_id text NOT NULL REFERENCES customers (customer_id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, server, login)
);
CREATE INDEX trading_accounts_customer_idx ON trading_accounts (customer_id, seq);
