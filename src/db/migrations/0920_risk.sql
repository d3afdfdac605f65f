-- Sign-up identifiers the broker sends with a customer (sign-up IP prefix, device id, payment
-- instrument fingerprint) and the customer's phone, email and address, each kept only as a keyed
-- hash: enough to tell that two customers share one, never the value itself.
CREATE TABLE customer_identifiers (
  customer_id text NOT NULL REFERENCES customers (customer_id),
  kind text NOT NULL CHECK (kind IN ('ip_prefix', 'device', 'payment', 'phone', 'email', 'address')),
  value_hash text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, kind)
);
CREATE INDEX customer_identifiers_value_idx ON customer_identifiers (kind, value_hash);

-- Risk rules per programme (a plan id, or '*' for every programme without its own), versioned:
-- a change is a new version, the latest one is in force.
CREATE TABLE risk_rule_versions (
  programme text NOT NULL,
  version int NOT NULL,
  definition jsonb NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (programme, version)
);

-- A risk case about one customer or one partner: the signals that fired with their evidence, a
-- score 0–100, and the review state. At most one open case per subject.
CREATE TABLE risk_cases (
  case_id bigserial PRIMARY KEY,
  subject_type text NOT NULL CHECK (subject_type IN ('customer', 'partner')),
  subject_id text NOT NULL,
  partner_id text,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
  score int NOT NULL CHECK (score BETWEEN 0 AND 100),
  signals jsonb NOT NULL,
  -- Deals whose lots a confirmed case excludes from pay and tier volume.
  excluded_deals text[] NOT NULL DEFAULT '{}',
  consequences jsonb NOT NULL,
  programme text NOT NULL,
  rule_version int NOT NULL,
  fingerprint text NOT NULL,
  date_from date NOT NULL,
  date_to date NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  closed_by text,
  decision_note text
);
CREATE UNIQUE INDEX risk_cases_one_open_idx ON risk_cases (subject_type, subject_id) WHERE status = 'open';
CREATE INDEX risk_cases_subject_idx ON risk_cases (subject_type, subject_id, fingerprint);
CREATE INDEX risk_cases_partner_idx ON risk_cases (partner_id, status);

-- Clicks a rule marked as bots (data-centre address, bot user agent): they do not count.
ALTER TABLE clicks ADD COLUMN bot_reason text;
-- The network prefix of a click's address (/24 or /64) as a keyed hash, for bursts per subnet.
ALTER TABLE clicks ADD COLUMN ip_prefix_hash text;

-- The hedging signal looks up opposite deals on one symbol opened close together.
CREATE INDEX deals_symbol_open_idx ON deals (symbol, side, open_time);
