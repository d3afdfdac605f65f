-- Webhooks read the outbox in commit order, not id order: ids are taken when a row is inserted, so a
-- transaction that commits late can leave a smaller id behind one already read. Each event records
-- the transaction that wrote it; an event is read only once every transaction with a smaller
-- transaction id has ended (pg_snapshot_xmin), and the reader's position is (txid, id).
ALTER TABLE events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_txid_idx ON events (txid, id);
-- Replays select events by when they happened.
CREATE INDEX events_occurred_idx ON events (occurred_at);
