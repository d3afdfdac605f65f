-- The rollups worker finds the clients whose first deposit falls in the days it recomputes (beside
-- those who signed up then, through customers_signup_idx) without reading every client of the partner.
CREATE INDEX customers_first_deposit_idx ON customers (first_deposit_at) WHERE first_deposit_at IS NOT NULL;
