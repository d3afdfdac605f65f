-- Secret rotation with an overlap window: the previous secret keeps working until
-- previous_secret_expires_at, so a deployment can roll the new one out without downtime.
ALTER TABLE api_clients
  ADD COLUMN previous_secret_hash text,
  ADD COLUMN previous_secret_expires_at timestamptz,
  ADD COLUMN secret_rotated_at timestamptz,
  -- CIDR blocks the client may call from (token endpoint and every request); NULL = anywhere.
  ADD COLUMN allowed_ips text[];
