-- An entry's first status is written on the entry itself. ledger_entry_status holds a row for an
-- entry only once it has moved (pending → approved, approved → paid, … → reversed), and
-- ledger_status_log logs each move. The current status of an entry is
-- coalesce(ledger_entry_status.status, ledger_entries.initial_status). Entries written before this
-- migration have no initial_status and keep their status rows.
ALTER TABLE ledger_entries ADD COLUMN initial_status text CHECK (initial_status IN ('pending', 'approved', 'reversed'));
