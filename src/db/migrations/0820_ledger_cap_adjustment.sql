-- Plan caps (per day, per month): the part of a partner's earnings above the cap is taken off by
-- one cap_adjustment entry per capped day or month.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check CHECK (kind IN (
  'per_lot', 'per_notional', 'spread_share', 'cpa', 'revenue_share', 'tier_adjustment', 'tiered_per_lot',
  'override', 'client_rebate', 'reversal', 'clawback', 'adjustment', 'manual_adjustment', 'cap_adjustment'));
