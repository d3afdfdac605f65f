-- Jurisdiction policies: rules a regulator imposes on what partners are paid for clients of some
-- countries (client rebates off, caps per lot, per trade and per period, rule types not allowed,
-- countries a partner may not acquire clients from). Versioned and effective-dated like plans: a
-- version applies to facts dated on or after effective_from until the next version's date.

CREATE TABLE jurisdiction_policies (
  policy_id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE jurisdiction_policy_versions (
  policy_id text NOT NULL REFERENCES jurisdiction_policies (policy_id),
  version int NOT NULL CHECK (version >= 1),
  effective_from date NOT NULL,
  definition jsonb NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (policy_id, version)
);
CREATE INDEX jurisdiction_policy_versions_from_idx ON jurisdiction_policy_versions (policy_id, effective_from, version);
