-- Which partner owns which customer, over time, and the claims that were not applied.

CREATE TABLE attributions (
  attribution_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id text NOT NULL REFERENCES customers (customer_id),
  partner_id text NOT NULL REFERENCES partners (partner_id),
  effective_from timestamptz NOT NULL,
  effective_to timestamptz,
  source text NOT NULL,
  reason text,
  click_id text,
  link_id text,
  campaign_id text,
  sub_id text,
  -- Why the owner looks like the customer itself (same_customer, same_email, shared_login), or NULL.
  self_referral text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A later reassignment replaced this row (history is kept, never deleted).
  superseded_at timestamptz,
  superseded_by bigint REFERENCES attributions (attribution_id),
  CONSTRAINT attributions_range CHECK (effective_to IS NULL OR effective_to > effective_from),
  CONSTRAINT attributions_source_check CHECK (
    source IN ('click', 'link_code', 'partner_code', 'affiliate_id', 'ctrader_invite', 'reassignment')),
  -- Invariant 1: at any instant a customer has at most one owner.
  CONSTRAINT attributions_one_owner EXCLUDE USING gist (
    customer_id WITH =, tstzrange(effective_from, effective_to) WITH &&) WHERE (superseded_at IS NULL)
);
CREATE INDEX attributions_customer_idx ON attributions (customer_id, effective_from) WHERE superseded_at IS NULL;
CREATE INDEX attributions_partner_idx ON attributions (partner_id, effective_from) WHERE superseded_at IS NULL;
CREATE INDEX attributions_history_idx ON attributions (customer_id, attribution_id);
CREATE INDEX attributions_link_idx ON attributions (link_id) WHERE link_id IS NOT NULL;

CREATE TABLE attribution_conflicts (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id text NOT NULL REFERENCES customers (customer_id),
  current_partner_id text REFERENCES partners (partner_id),
  claimed_partner_id text NOT NULL REFERENCES partners (partner_id),
  source text NOT NULL,
  claim jsonb NOT NULL,
  status text NOT NULL DEFAULT 'open',
  detected_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  resolved_by text,
  resolution_reason text,
  CONSTRAINT attribution_conflicts_status_check CHECK (status IN ('open', 'accepted', 'dismissed'))
);
CREATE UNIQUE INDEX attribution_conflicts_open_key ON attribution_conflicts (customer_id, claimed_partner_id) WHERE status = 'open';
CREATE INDEX attribution_conflicts_status_idx ON attribution_conflicts (status, seq);
