-- Read-your-own-writes with a read replica: the primary's write-ahead-log position after each
-- caller's last successful write. A report, list or export that caller asks for next is served by
-- the replica only once the replica has replayed that far. UNLOGGED: after a crash of the primary
-- the replica is rebuilt or re-synchronised anyway.
CREATE UNLOGGED TABLE read_fences (
  caller text PRIMARY KEY,
  lsn pg_lsn NOT NULL,
  written_at timestamptz NOT NULL DEFAULT now()
);
