-- Regulated partner programmes: due diligence (verification and its documents), versioned partner
-- terms and their acceptances, tax forms, payout gates per programme, the public affiliate register
-- and partner email notifications.

-- A programme groups partners under one set of terms and payout gates.
CREATE TABLE compliance_programmes (
  programme_id text PRIMARY KEY CHECK (programme_id ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
  name text NOT NULL,
  -- Payout gates: a run carries a partner's statement while any required item is missing.
  require_verification boolean NOT NULL DEFAULT true,
  require_terms boolean NOT NULL DEFAULT true,
  require_tax_form boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Gates start off for the programme every existing partner is in, so upgrading changes no payout
-- until the broker switches them on.
INSERT INTO compliance_programmes (programme_id, name, require_verification, require_terms, require_tax_form)
VALUES ('default', 'Default programme', false, false, false);

ALTER TABLE partners
  ADD COLUMN programme_id text NOT NULL DEFAULT 'default' REFERENCES compliance_programmes (programme_id),
  -- Language of the partner's terms and emails (en, es, zh, ar, …).
  ADD COLUMN language text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}$'),
  -- Consent to appear by name on the public affiliate register.
  ADD COLUMN register_consent boolean NOT NULL DEFAULT false,
  -- The end of the relationship: set when the broker terminates the partner.
  ADD COLUMN terminated_on date,
  ADD COLUMN termination_reason text;

-- One due-diligence record per partner; its details (names, numbers, the owner's identity) sealed.
CREATE TABLE partner_verifications (
  partner_id text PRIMARY KEY REFERENCES partners (partner_id),
  status text NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'submitted', 'more_requested', 'approved', 'rejected', 'expired')),
  entity_type text CHECK (entity_type IN ('individual', 'company')),
  country char(2),
  details_sealed text,
  -- Set by "request more": what compliance still needs; cleared by the next submission.
  requested text,
  reason text,
  submitted_at timestamptz,
  reviewed_at timestamptz,
  reviewed_by text,
  -- The date the approval lapses: the earliest expiry among its documents, when any has one.
  expires_on date,
  -- Approved since (the register's "since").
  approved_on date,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partner_verifications_status_idx ON partner_verifications (status, updated_at);

-- Uploaded documents, sealed (the file's bytes encrypted with the key ring, base64 inside).
CREATE TABLE partner_documents (
  document_id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  partner_id text NOT NULL REFERENCES partners (partner_id),
  kind text NOT NULL CHECK (kind IN ('id', 'proof_of_address', 'company', 'licence', 'other')),
  content_type text NOT NULL,
  size_bytes int NOT NULL,
  sha256 text NOT NULL,
  file_name_sealed text,
  content_sealed text NOT NULL,
  expires_on date,
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partner_documents_partner_idx ON partner_documents (partner_id, uploaded_at);

-- Versioned partner terms per programme and language.
CREATE TABLE partner_terms (
  terms_id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  programme_id text NOT NULL REFERENCES compliance_programmes (programme_id),
  version int NOT NULL CHECK (version > 0),
  language text NOT NULL CHECK (language ~ '^[a-z]{2}$'),
  title text NOT NULL,
  body text NOT NULL,
  published_by text NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (programme_id, version, language)
);

CREATE TABLE partner_terms_acceptances (
  partner_id text NOT NULL REFERENCES partners (partner_id),
  programme_id text NOT NULL,
  version int NOT NULL,
  language text NOT NULL,
  accepted_by text NOT NULL,
  ip text,
  accepted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, programme_id, version)
);

-- Tax forms: the latest one of a partner is current; older ones stay for the record.
CREATE TABLE partner_tax_forms (
  form_id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  partner_id text NOT NULL REFERENCES partners (partner_id),
  form_type text NOT NULL CHECK (form_type IN ('W-9', 'W-8BEN', 'W-8BEN-E')),
  us_person boolean NOT NULL,
  data_sealed text NOT NULL,
  signature_name_sealed text NOT NULL,
  signed_on date NOT NULL,
  ip text,
  submitted_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partner_tax_forms_partner_idx ON partner_tax_forms (partner_id, created_at);

-- The terms version in force when the statement was drafted, and whether a payout gate held it.
ALTER TABLE payout_statements ADD COLUMN terms_version int, ADD COLUMN compliance_hold text;

-- Partner emails: queued in the transaction of the change that causes them, sent by a worker with retries.
CREATE TABLE partner_email_preferences (
  partner_id text NOT NULL REFERENCES partners (partner_id),
  kind text NOT NULL,
  enabled boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (partner_id, kind)
);

CREATE TABLE email_outbox (
  id bigserial PRIMARY KEY,
  partner_id text NOT NULL REFERENCES partners (partner_id),
  kind text NOT NULL,
  language text NOT NULL,
  to_sealed text NOT NULL,
  subject text NOT NULL,
  body_sealed text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  last_error text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE status = 'pending';

-- How far the email notifier has read the event outbox (client registered or qualified, commission
-- approved). It starts after the events that exist now: an upgrade does not email about the past.
CREATE TABLE email_event_position (
  id int PRIMARY KEY CHECK (id = 1),
  last_txid xid8 NOT NULL,
  last_event_id bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO email_event_position (id, last_txid, last_event_id) VALUES (1, pg_current_xact_id(), coalesce((SELECT max(id) FROM events), 0));
