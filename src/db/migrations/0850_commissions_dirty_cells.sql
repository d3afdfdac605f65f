-- Cells (a customer's business dates) that new events touched and the commission engine has not
-- recomputed yet. The engine reads the outbox into this queue and recomputes the newest cells
-- first (by the first date they cover), so a closed trade of today is credited without waiting behind a backfill of older days.
CREATE TABLE commission_dirty_cells (
  id bigserial PRIMARY KEY,
  customer_id text NOT NULL,
  date_from date NOT NULL,
  date_to date NOT NULL CHECK (date_to >= date_from),
  queued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX commission_dirty_cells_newest_idx ON commission_dirty_cells (date_from DESC, id);
