-- Invite / tracking links and the clicks on them.

CREATE TABLE links (
  -- Also the number a click id carries, so a click can be attributed before its row is stored.
  seq bigserial NOT NULL UNIQUE,
  link_id text PRIMARY KEY,
  partner_id text NOT NULL REFERENCES partners (partner_id),
  code text NOT NULL,
  kind text NOT NULL DEFAULT 'client',
  label text,
  destination_url text NOT NULL,
  campaign_id text,
  utm_source text,
  utm_medium text,
  utm_campaign text,
  utm_term text,
  utm_content text,
  status text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT links_kind_check CHECK (kind IN ('client', 'recruit')),
  CONSTRAINT links_status_check CHECK (status IN ('active', 'disabled'))
);
CREATE UNIQUE INDEX links_code_key ON links (lower(code));
CREATE INDEX links_partner_idx ON links (partner_id, seq);

-- Written in batches by the redirect's click buffer. No foreign keys: links are never deleted,
-- and a key check per row would only slow the busiest insert in the system.
CREATE TABLE clicks (
  click_id text PRIMARY KEY,
  link_id text NOT NULL,
  partner_id text NOT NULL,
  clicked_at timestamptz NOT NULL,
  ip_hash text,
  user_agent text,
  referrer text,
  country char(2),
  sub_id text
);
CREATE INDEX clicks_link_idx ON clicks (link_id, clicked_at);
CREATE INDEX clicks_partner_idx ON clicks (partner_id, clicked_at);
