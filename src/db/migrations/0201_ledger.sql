-- The append-only commission ledger. An entry is never updated or deleted: corrections are new
-- entries that reference what they correct. Workflow status (pending → approved → paid, or
-- reversed) lives beside it in ledger_entry_status, with every change logged.

CREATE TABLE ledger_entries (
  id bigserial PRIMARY KEY,
  entry_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  partner_id text NOT NULL REFERENCES partners (partner_id),
  currency char(3) NOT NULL,
  amount numeric NOT NULL,
  kind text NOT NULL,
  level int NOT NULL DEFAULT 0 CHECK (level >= 0),
  -- The fact the entry derives from: its type, its key and its business date.
  source_type text NOT NULL,
  source_key text NOT NULL,
  rule text NOT NULL,
  fact_date date NOT NULL,
  customer_id text,
  instrument text,
  plan_id text,
  plan_version int,
  -- Why the entry waits (kyc_pending, missing_fx_rate); NULL when it was payable at once.
  hold_reason text,
  corrects bigint REFERENCES ledger_entries (id),
  explanation jsonb NOT NULL,
  run_id bigint,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_entries_kind_check CHECK (kind IN (
    'per_lot', 'per_notional', 'spread_share', 'cpa', 'revenue_share', 'tier_adjustment', 'tiered_per_lot',
    'override', 'client_rebate', 'reversal', 'clawback', 'adjustment', 'manual_adjustment'))
);
CREATE INDEX ledger_entries_identity_idx ON ledger_entries (source_type, source_key, rule, partner_id, level);
CREATE INDEX ledger_entries_partner_idx ON ledger_entries (partner_id, fact_date, id);
CREATE INDEX ledger_entries_fact_idx ON ledger_entries (source_type, fact_date);
CREATE INDEX ledger_entries_customer_idx ON ledger_entries (customer_id, fact_date);

CREATE FUNCTION ledger_entries_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are append-only: add a correcting entry instead of %', TG_OP USING ERRCODE = 'P0001';
END
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION ledger_entries_immutable();

CREATE TABLE ledger_entry_status (
  entry_id bigint PRIMARY KEY REFERENCES ledger_entries (id),
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'paid', 'reversed')),
  reason text,
  payout_id text,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entry_status_status_idx ON ledger_entry_status (status, entry_id);

CREATE TABLE ledger_status_log (
  id bigserial PRIMARY KEY,
  entry_id bigint NOT NULL REFERENCES ledger_entries (id),
  from_status text,
  to_status text NOT NULL,
  reason text,
  changed_by text,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_status_log_entry_idx ON ledger_status_log (entry_id, id);

-- Each engine run: what it looked at and what it wrote.
CREATE TABLE commission_runs (
  id bigserial PRIMARY KEY,
  trigger text NOT NULL,
  date_from date,
  date_to date,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  facts int NOT NULL DEFAULT 0,
  entries int NOT NULL DEFAULT 0,
  error text
);

-- Settled months (broker time zone): tiers and revenue-share carry-over are final for them.
CREATE TABLE commission_periods (
  period text PRIMARY KEY CHECK (period ~ '^\d{4}-\d{2}$'),
  closed_at timestamptz NOT NULL DEFAULT now(),
  closed_by text,
  run_id bigint REFERENCES commission_runs (id)
);
