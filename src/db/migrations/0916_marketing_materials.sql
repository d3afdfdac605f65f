-- Marketing materials the broker curates (banners, landing pages, texts; per language and
-- jurisdiction), and promotions partners submit for approval before they use them.

CREATE TABLE marketing_materials (
  material_id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('banner', 'landing_page', 'text')),
  title text NOT NULL,
  language text NOT NULL,
  -- Clients' countries the material may be shown to; empty: every country.
  countries text[] NOT NULL DEFAULT '{}',
  -- Where a click leads; the partner's tracking link for the material points here.
  destination_url text NOT NULL,
  -- A text's body; `{tracking_link}` is replaced by the partner's link.
  body text,
  -- The uploaded file, base64 (the same text on every driver).
  file_base64 text,
  file_name text,
  content_type text,
  file_size int,
  file_sha256 text,
  width int,
  height int,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX marketing_materials_status_idx ON marketing_materials (status, language);

CREATE TABLE marketing_submissions (
  submission_id text PRIMARY KEY,
  partner_id text NOT NULL REFERENCES partners (partner_id),
  kind text NOT NULL CHECK (kind IN ('url', 'screenshot', 'file')),
  title text NOT NULL,
  url text,
  notes text,
  -- The uploaded file, base64 (the same text on every driver).
  file_base64 text,
  file_name text,
  content_type text,
  file_size int,
  file_sha256 text,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
  reason text,
  reviewed_by text,
  reviewed_at timestamptz,
  withdrawn_at timestamptz,
  submitted_by text,
  submitted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX marketing_submissions_partner_idx ON marketing_submissions (partner_id, submitted_at);
CREATE INDEX marketing_submissions_status_idx ON marketing_submissions (status, submitted_at);

-- Every step of every submission, for the regulator's export.
CREATE TABLE marketing_submission_history (
  id bigserial PRIMARY KEY,
  submission_id text NOT NULL REFERENCES marketing_submissions (submission_id),
  status text NOT NULL,
  reason text,
  actor text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX marketing_submission_history_idx ON marketing_submission_history (submission_id, id);
