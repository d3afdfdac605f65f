-- Payout runs and their statements: one statement per partner per currency per run, moved
-- draft → reviewed → approved → paid one by one, or held / rejected / carried.

CREATE TABLE payout_runs (
  run_id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  period text NOT NULL,
  period_start date NOT NULL,
  period_end date NOT NULL,
  -- The business date the hold period was measured from.
  as_of date NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payout_runs_period_idx ON payout_runs (period, created_at);

CREATE TABLE payout_statements (
  statement_id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  run_id text NOT NULL REFERENCES payout_runs (run_id),
  partner_id text NOT NULL REFERENCES partners (partner_id),
  currency char(3) NOT NULL,
  period text NOT NULL,
  -- carried: below the minimum or negative; its entries go back to the pool for the next run.
  status text NOT NULL CHECK (status IN ('draft', 'reviewed', 'approved', 'paid', 'held', 'rejected', 'carried')),
  -- Full-precision ledger sums; the rounded amounts are on the lines.
  opening_balance numeric NOT NULL,
  period_amount numeric NOT NULL,
  ledger_total numeric NOT NULL,
  rounded_total numeric NOT NULL,
  rounding_difference numeric NOT NULL,
  amount_payable numeric NOT NULL,
  carried_forward numeric NOT NULL,
  carry_reason text,
  lines jsonb NOT NULL,
  status_reason text,
  paid_reference text,
  paid_on date,
  updated_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, partner_id, currency)
);
CREATE INDEX payout_statements_partner_idx ON payout_statements (partner_id, created_at);

-- Which ledger entries a statement covers. An entry is on at most one live statement: rejecting or
-- carrying a statement releases its entries for the next run.
CREATE TABLE payout_statement_entries (
  statement_id text NOT NULL REFERENCES payout_statements (statement_id),
  entry_id bigint NOT NULL REFERENCES ledger_entries (id),
  released boolean NOT NULL DEFAULT false,
  PRIMARY KEY (statement_id, entry_id)
);
CREATE UNIQUE INDEX payout_statement_entries_live_key ON payout_statement_entries (entry_id) WHERE NOT released;
