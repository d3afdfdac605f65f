-- Match-Trader pull connectors, and what the connector catalogue shows about every connector:
-- how far behind it is (applied_through), its recent errors with their payloads, and its
-- throughput per minute.
ALTER TABLE connectors DROP CONSTRAINT IF EXISTS connectors_kind_check;
ALTER TABLE connectors ADD CONSTRAINT connectors_kind_check CHECK (kind IN ('rest', 'mt4', 'mt5', 'nats', 'match_trader'));

-- Every source fact dated before this instant has been applied (connectors that read by time window).
ALTER TABLE connectors ADD COLUMN applied_through timestamptz;
-- Set when connector.lagging was raised; cleared when the connector caught up again.
ALTER TABLE connectors ADD COLUMN lag_alerted_at timestamptz;

CREATE TABLE connector_errors (
  id bigserial PRIMARY KEY,
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  message text NOT NULL,
  payload jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connector_errors_connector_idx ON connector_errors (connector_id, id DESC);

CREATE TABLE connector_throughput (
  connector_id text NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  minute timestamptz NOT NULL,
  rows_in int NOT NULL DEFAULT 0,
  PRIMARY KEY (connector_id, minute)
);
