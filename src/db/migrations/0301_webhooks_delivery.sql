-- Outbound delivery: webhook endpoints (signed, for the broker's CRM) and partner postbacks (the
-- partner's own tracker URLs) share one table, one message queue and one delivery log.

CREATE TABLE webhook_endpoints (
  seq bigserial NOT NULL UNIQUE,
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('webhook', 'postback')),
  -- For a postback, a template with {macros}.
  url text NOT NULL,
  method text NOT NULL DEFAULT 'POST' CHECK (method IN ('GET', 'POST')),
  description text NOT NULL DEFAULT '',
  -- NULL: every event type (webhooks only). A postback has exactly the one its event kind maps to.
  event_types text[],
  -- Postbacks: the owning partner (no foreign key: partners belong to their own area) and event kind.
  partner_id text,
  postback_event text,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  -- Webhooks: the signing secret, encrypted; during a rotation the previous one signs too until it expires.
  secret_sealed text,
  previous_secret_sealed text,
  previous_secret_expires_at timestamptz,
  consecutive_failures int NOT NULL DEFAULT 0,
  circuit_open_until timestamptz,
  -- Set from Retry-After on 429/503: nothing is sent to the endpoint before then.
  paused_until timestamptz,
  -- A failing spell: since when, and when its endpoint.failing event was written.
  failing_since timestamptz,
  failing_alerted_at timestamptz,
  last_success_at timestamptz,
  last_failure_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT webhook_endpoints_kind_fields CHECK (
    (kind = 'webhook' AND secret_sealed IS NOT NULL)
    OR (kind = 'postback' AND partner_id IS NOT NULL AND postback_event IS NOT NULL AND event_types IS NOT NULL))
);
CREATE INDEX webhook_endpoints_partner_idx ON webhook_endpoints (partner_id, seq) WHERE kind = 'postback';

-- Where the fan-out has read the outbox up to (one row). Starts at the end: endpoints receive events
-- written after they exist; earlier ones are sent by an explicit replay.
CREATE TABLE webhook_fanout (
  id int PRIMARY KEY CHECK (id = 1),
  last_txid xid8 NOT NULL,
  last_event_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO webhook_fanout (id, last_txid, last_event_id)
SELECT 1, pg_current_xact_id(), coalesce((SELECT max(id) FROM events), 0);

-- One message per (event, endpoint); its id is the webhook-id header, the same on every attempt.
CREATE TABLE webhook_messages (
  seq bigserial NOT NULL UNIQUE,
  id text PRIMARY KEY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id uuid NOT NULL,
  event_seq bigint NOT NULL,
  event_type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'discarded')),
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  -- Which claim owns the message while it is being sent; next_attempt_at is then the lease's end.
  lease_id uuid,
  last_status_code int,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  dead_at timestamptz,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_messages_next_idx ON webhook_messages (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_messages_lane_idx ON webhook_messages (endpoint_id, occurred_at, event_seq) WHERE status = 'pending';
CREATE INDEX webhook_messages_endpoint_idx ON webhook_messages (endpoint_id, seq);
CREATE INDEX webhook_messages_event_idx ON webhook_messages (event_id);
CREATE INDEX webhook_messages_dead_idx ON webhook_messages (endpoint_id, dead_at) WHERE status = 'dead';

-- The delivery log: every attempt, including those not sent (refused address, open circuit).
CREATE TABLE webhook_attempts (
  seq bigserial PRIMARY KEY,
  message_id text NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
  endpoint_id text NOT NULL,
  event_id uuid NOT NULL,
  attempt int NOT NULL,
  attempted_at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('delivered', 'failed', 'gone', 'timeout', 'unreachable', 'refused', 'circuit_open')),
  status_code int,
  latency_ms int NOT NULL,
  error text,
  response_body text
);
CREATE INDEX webhook_attempts_message_idx ON webhook_attempts (message_id, seq);
CREATE INDEX webhook_attempts_endpoint_idx ON webhook_attempts (endpoint_id, seq);
CREATE INDEX webhook_attempts_event_idx ON webhook_attempts (event_id, seq);
