-- Partners (IBs and affiliates) and their multi-level tree: the current tree as a closure table,
-- and every partner's parent over time as effective-dated history.

CREATE TABLE partners (
  seq bigserial NOT NULL UNIQUE,
  partner_id text PRIMARY KEY,
  affiliate_id text NOT NULL,
  referral_code text NOT NULL,
  name text NOT NULL,
  email text,
  country char(2),
  status text NOT NULL DEFAULT 'active',
  payout_currency char(3) NOT NULL DEFAULT 'USD',
  parent_id text REFERENCES partners (partner_id),
  -- Number of ancestors: 0 for a top-level partner. Kept equal to the closure table by every move.
  depth int NOT NULL DEFAULT 0,
  -- The partner's own trader record, when the IB also trades with the broker.
  customer_id text REFERENCES customers (customer_id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT partners_status_check CHECK (status IN ('pending', 'active', 'suspended')),
  CONSTRAINT partners_not_own_parent CHECK (parent_id <> partner_id)
);
CREATE UNIQUE INDEX partners_affiliate_id_key ON partners (affiliate_id);
CREATE UNIQUE INDEX partners_referral_code_key ON partners (lower(referral_code));
CREATE UNIQUE INDEX partners_customer_key ON partners (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX partners_parent_idx ON partners (parent_id, seq);
CREATE INDEX partners_status_idx ON partners (status, seq);
CREATE INDEX partners_email_idx ON partners (lower(email));

-- One row per (ancestor, descendant) pair of the current tree, self included at depth 0:
-- a subtree is one index range on ancestor_id, the ancestors one index range on descendant_id.
CREATE TABLE partner_tree (
  ancestor_id text NOT NULL REFERENCES partners (partner_id),
  descendant_id text NOT NULL REFERENCES partners (partner_id),
  depth int NOT NULL CHECK (depth >= 0),
  PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX partner_tree_subtree_idx ON partner_tree (ancestor_id, depth, descendant_id);
CREATE INDEX partner_tree_ancestors_idx ON partner_tree (descendant_id, depth, ancestor_id);

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Who each partner's parent was, over time (parent_id NULL: top-level for that period).
CREATE TABLE partner_parent_history (
  partner_id text NOT NULL REFERENCES partners (partner_id),
  parent_id text REFERENCES partners (partner_id),
  effective_from timestamptz NOT NULL,
  effective_to timestamptz,
  reason text,
  changed_by text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, effective_from),
  CONSTRAINT partner_parent_history_range CHECK (effective_to IS NULL OR effective_to > effective_from),
  CONSTRAINT partner_parent_history_one_parent EXCLUDE USING gist (partner_id WITH =, tstzrange(effective_from, effective_to) WITH &&)
);

-- Trading logins that belong to a partner itself (its own or its rebate account): a customer
-- holding one of them is the partner referring itself.
CREATE TABLE partner_accounts (
  partner_id text NOT NULL REFERENCES partners (partner_id),
  platform text NOT NULL,
  server text NOT NULL DEFAULT '',
  login text NOT NULL,
  PRIMARY KEY (partner_id, platform, server, login)
);
CREATE INDEX partner_accounts_login_idx ON partner_accounts (platform, server, login);
