-- Incremental recomputation. The engine recomputes only the customers and days that new facts
-- touch; what a partner-level rule needs of the others it reads from state kept here.
--
-- The lots that count toward the tier of the customer's owner, per customer and business day, as
-- the engine last computed them (after exclusions and the hold-time and hedging rules). A partner's
-- month of tier pay is recomputed from these sums, without reading its other customers' activity.
CREATE TABLE commission_tier_lots (
  customer_id text NOT NULL,
  date date NOT NULL,
  partner_id text NOT NULL,
  lots numeric NOT NULL,
  PRIMARY KEY (customer_id, date)
);
CREATE INDEX commission_tier_lots_partner_idx ON commission_tier_lots (partner_id, date);

-- When set, the background engine first recomputes everything from this business date once (the
-- tier state above is built by that run), then goes on incrementally. Databases that already hold
-- tier pay start with it set.
ALTER TABLE commission_event_position ADD COLUMN rebuild_from date;
UPDATE commission_event_position SET rebuild_from = (SELECT min(fact_date) FROM ledger_entries WHERE kind = 'tiered_per_lot');
