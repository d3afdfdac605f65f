-- Inbound connectors: mapping documents, inbound sources (signed webhooks, handshake, postbacks),
-- received event ids, pull connectors (REST, MT4/MT5 databases, queue feed) with their cursors,
-- trading-account logins, dead letters and CSV imports. Every record they bring in is written by
-- the ingest functions; these tables only hold the connectors' own state.

CREATE TABLE connector_mappings (
  name text PRIMARY KEY,
  document jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE connector_sources (
  id text PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('webhook', 'postback')),
  auth text NOT NULL CHECK (auth IN ('signature', 'handshake', 'token')),
  mapping text,
  -- The Standard Webhooks secret is needed to verify signatures, so it is sealed (AES-256-GCM), not hashed.
  secret_sealed text,
  -- Handshake API keys and postback tokens are only compared: a SHA-256 of 256 random bits.
  key_hash text UNIQUE,
  enabled boolean NOT NULL DEFAULT true,
  events_in bigint NOT NULL DEFAULT 0,
  records_in bigint NOT NULL DEFAULT 0,
  records_rejected bigint NOT NULL DEFAULT 0,
  last_event_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE connector_sessions (
  token_hash text PRIMARY KEY,
  source_id text NOT NULL REFERENCES connector_sources (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);
CREATE INDEX connector_sessions_expiry_idx ON connector_sessions (expires_at);

-- One row per event id (or postback key, or queue batch id) a source delivered and OpenIB applied.
CREATE TABLE connector_received (
  source text NOT NULL,
  event_key text NOT NULL,
  result jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, event_key)
);

CREATE TABLE connectors (
  id text PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('rest', 'mt4', 'mt5', 'nats')),
  config jsonb NOT NULL,
  secrets_sealed text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
  interval_seconds int NOT NULL DEFAULT 300 CHECK (interval_seconds > 0),
  cursor jsonb NOT NULL DEFAULT '{}'::jsonb,
  lease_owner text,
  lease_until timestamptz,
  last_run_at timestamptz,
  last_success_at timestamptz,
  last_error text,
  consecutive_failures int NOT NULL DEFAULT 0,
  records_in bigint NOT NULL DEFAULT 0,
  records_rejected bigint NOT NULL DEFAULT 0,
  lag_seconds numeric,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Trading-platform logins and the customer each belongs to (until a trading-accounts area owns this).
CREATE TABLE connector_logins (
  platform text NOT NULL,
  server text NOT NULL,
  login text NOT NULL,
  customer_id text NOT NULL,
  currency char(3),
  account_group text,
  connector_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, server, login)
);
CREATE INDEX connector_logins_customer_idx ON connector_logins (customer_id);

CREATE TABLE connector_dead_letters (
  id bigserial PRIMARY KEY,
  source text NOT NULL,
  entity text,
  event_key text,
  payload jsonb NOT NULL,
  error text NOT NULL,
  details jsonb,
  attempts int NOT NULL DEFAULT 1,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'discarded')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connector_dead_letters_status_idx ON connector_dead_letters (status, id);
-- A failing event delivered again counts another attempt on its open dead letter instead of adding one.
CREATE UNIQUE INDEX connector_dead_letters_open_key ON connector_dead_letters (source, event_key) WHERE status = 'open' AND event_key IS NOT NULL;

CREATE TABLE connector_imports (
  id text PRIMARY KEY,
  entity text NOT NULL,
  file_name text NOT NULL,
  file_path text NOT NULL,
  fingerprint text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'interrupted')),
  header jsonb,
  file_bytes bigint NOT NULL DEFAULT 0,
  position_bytes bigint NOT NULL DEFAULT 0,
  rows_done bigint NOT NULL DEFAULT 0,
  rows_stored bigint NOT NULL DEFAULT 0,
  rows_rejected bigint NOT NULL DEFAULT 0,
  report_path text,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX connector_imports_fingerprint_idx ON connector_imports (fingerprint, status);
