-- A hash chain per partner over everything that decides its money (docs/verification.md): its
-- ledger entries, their status moves, and the attribution periods given to it or taken from it.
-- Each record's hash covers its canonical form and the previous record's hash. Rows are written by
-- src/ledger/write.ts in the same transaction as the record they cover, and never changed.

CREATE TABLE ledger_chain (
  partner_id text NOT NULL REFERENCES partners (partner_id),
  seq bigint NOT NULL CHECK (seq >= 1),
  -- ledger_entry (ledger_entries.id), ledger_status (ledger_status_log.id),
  -- attribution (attributions.attribution_id), attribution_superseded (attributions.attribution_id).
  record_type text NOT NULL CHECK (record_type IN ('ledger_entry', 'ledger_status', 'attribution', 'attribution_superseded')),
  record_id bigint NOT NULL,
  prev_hash char(64) NOT NULL,
  hash char(64) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, seq)
);
CREATE INDEX ledger_chain_record_idx ON ledger_chain (record_type, record_id);

-- The head of each partner's chain, locked (FOR UPDATE) by every writer of that partner's records.
CREATE TABLE ledger_chain_heads (
  partner_id text PRIMARY KEY REFERENCES partners (partner_id),
  seq bigint NOT NULL,
  hash char(64) NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Signed statements of a chain's head, handed to the partner (statement, payout, daily).
CREATE TABLE ledger_checkpoints (
  checkpoint_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  partner_id text NOT NULL REFERENCES partners (partner_id),
  seq bigint NOT NULL,
  head char(64) NOT NULL,
  reason text NOT NULL CHECK (reason IN ('statement', 'payout', 'daily', 'manual')),
  statement_id text,
  -- The signed document exactly as signed (canonical JSON) and its Ed25519 signature, base64url.
  payload text NOT NULL,
  key_id text NOT NULL,
  signature text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_checkpoints_partner_idx ON ledger_checkpoints (partner_id, checkpoint_id);

-- Ed25519 keys that sign checkpoints. Public keys stay here after a rotation so old checkpoints
-- keep verifying; a private key is stored (sealed with the encryption key ring) only when OpenIB
-- generated it itself.
CREATE TABLE ledger_signing_keys (
  key_id text PRIMARY KEY,
  public_key text NOT NULL,
  private_key_sealed text,
  first_used_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);

CREATE FUNCTION ledger_chain_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger chain and its checkpoints are append-only (%)', TG_OP USING ERRCODE = 'P0001';
END
$$;
CREATE TRIGGER ledger_chain_append_only BEFORE UPDATE OR DELETE ON ledger_chain
  FOR EACH ROW EXECUTE FUNCTION ledger_chain_immutable();
CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ledger_chain_immutable();

-- Existing history is chained once, by the first process that opens the database after this
-- migration (hashing needs canonical JSON, done in TypeScript): see chainExistingHistory.
INSERT INTO settings (key, value) VALUES ('ledger_chain_backfill', '"pending"') ON CONFLICT (key) DO NOTHING;
