-- cTrader Invite: which cTrader user is which customer or partner, and every invite webhook
-- received with the answer it was given (a replay gets the same answer).

CREATE TABLE external_identities (
  provider text NOT NULL,
  kind text NOT NULL,
  external_id text NOT NULL,
  -- No foreign key: a cTrader user may be mapped before the CRM has sent the customer record.
  customer_id text,
  partner_id text REFERENCES partners (partner_id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, kind, external_id),
  CONSTRAINT external_identities_kind_check CHECK (
    (kind = 'customer' AND customer_id IS NOT NULL AND partner_id IS NULL)
    OR (kind = 'partner' AND partner_id IS NOT NULL AND customer_id IS NULL))
);
CREATE UNIQUE INDEX external_identities_customer_key ON external_identities (provider, customer_id) WHERE customer_id IS NOT NULL;
CREATE UNIQUE INDEX external_identities_partner_key ON external_identities (provider, partner_id) WHERE partner_id IS NOT NULL;

CREATE TABLE ctrader_invites (
  seq bigserial PRIMARY KEY,
  invited_user_id bigint NOT NULL,
  partner_user_id bigint NOT NULL,
  broker_partner_id text,
  broker_name text NOT NULL,
  request_key text NOT NULL UNIQUE,
  partner_id text NOT NULL REFERENCES partners (partner_id),
  customer_id text REFERENCES customers (customer_id),
  status text NOT NULL,
  response jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  CONSTRAINT ctrader_invites_status_check CHECK (status IN ('pending', 'attributed', 'conflict', 'superseded'))
);
CREATE INDEX ctrader_invites_pending_idx ON ctrader_invites (invited_user_id, seq) WHERE status = 'pending';
