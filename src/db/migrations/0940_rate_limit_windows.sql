-- Rate-limit counters shared by every API process on one database: one row per key (a token, an
-- address, a client id, each with the route it limits), counting hits in a fixed window that the
-- database clock opens and closes. UNLOGGED: a counter lost in a crash only forgives one window,
-- and no write-ahead log (or replica traffic) is spent on it.
CREATE UNLOGGED TABLE rate_limit_windows (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  resets_at timestamptz NOT NULL
);
CREATE INDEX rate_limit_windows_resets_idx ON rate_limit_windows (resets_at);
