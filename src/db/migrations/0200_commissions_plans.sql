-- Commission plans (versioned, effective-dated) and which plan each partner is on over time.

CREATE TABLE plans (
  plan_id text PRIMARY KEY,
  name text NOT NULL,
  currency char(3) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A version applies to facts dated on or after effective_from until the next version's date.
CREATE TABLE plan_versions (
  plan_id text NOT NULL REFERENCES plans (plan_id),
  version int NOT NULL CHECK (version >= 1),
  effective_from date NOT NULL,
  definition jsonb NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (plan_id, version),
  UNIQUE (plan_id, effective_from)
);

-- effective_to is the next assignment's effective_from (NULL while current).
CREATE TABLE partner_plans (
  partner_id text NOT NULL REFERENCES partners (partner_id),
  plan_id text NOT NULL REFERENCES plans (plan_id),
  effective_from date NOT NULL,
  effective_to date,
  -- The partner's own terms on top of the plan: per_lot rate overrides and its client rebate.
  terms jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, effective_from),
  CHECK (effective_to IS NULL OR effective_to > effective_from)
);
CREATE INDEX partner_plans_plan_idx ON partner_plans (plan_id);
