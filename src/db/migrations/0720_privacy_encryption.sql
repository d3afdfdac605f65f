-- Personal data at rest (docs/privacy.md): names, email, phone and address hold values sealed by
-- the key ring ("enc:v1:<key id>:…"); email lookups use a keyed hash ("<hash key id>:<hmac hex>").
-- Rows written before this migration hold clear text until the key task seals them.
ALTER TABLE customers
  ADD COLUMN phone text,
  ADD COLUMN address text,
  ADD COLUMN email_hash text,
  -- Set when the customer's personal data was erased; later personal data for it is dropped.
  ADD COLUMN erased_at timestamptz,
  ADD COLUMN pseudonym text;
CREATE INDEX customers_email_hash_idx ON customers (email_hash) WHERE email_hash IS NOT NULL;

ALTER TABLE partners ADD COLUMN email_hash text;
DROP INDEX IF EXISTS partners_email_idx;
CREATE INDEX partners_email_hash_idx ON partners (email_hash) WHERE email_hash IS NOT NULL;

-- Where a partner's commission is paid: one row per partner, the details sealed by the key ring.
CREATE TABLE partner_payout_details (
  partner_id text PRIMARY KEY REFERENCES partners (partner_id),
  method text NOT NULL CHECK (method IN ('bank_transfer', 'crypto_wallet', 'e_wallet', 'other')),
  details_sealed text NOT NULL,
  updated_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Re-encryption to the active key (`openib keys rotate`), resumable: the cursor says which table
-- and which row id the background task reached.
CREATE TABLE key_rotations (
  id bigserial PRIMARY KEY,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
  target_key_id text NOT NULL,
  -- Also re-seal values already under the target key (e.g. after OPENIB_HASH_KEY changed).
  full_pass boolean NOT NULL DEFAULT false,
  requested_by text NOT NULL,
  table_index int NOT NULL DEFAULT 0,
  cursor text NOT NULL DEFAULT '',
  rewritten bigint NOT NULL DEFAULT 0,
  error text,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE UNIQUE INDEX key_rotations_one_running ON key_rotations ((true)) WHERE status = 'running';
