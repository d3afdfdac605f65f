-- People who sign in with email and password: broker staff in the admin console and partners in
-- the portal. Passwords are stored only as argon2id hashes (PHC strings).
CREATE TABLE admin_users (
  user_id text PRIMARY KEY,
  email text NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'finance', 'viewer')),
  password_hash text NOT NULL,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX admin_users_email_key ON admin_users (lower(email));

-- A partner's logins; one partner may have several.
CREATE TABLE portal_users (
  user_id text PRIMARY KEY,
  partner_id text NOT NULL REFERENCES partners (partner_id),
  email text NOT NULL,
  name text NOT NULL,
  password_hash text NOT NULL,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX portal_users_email_key ON portal_users (lower(email));
CREATE INDEX portal_users_partner_idx ON portal_users (partner_id);

-- Browser sessions. Only the SHA-256 of the cookie value is kept, so a copy of this table signs
-- nobody in. expires_at is the absolute end; last_seen_at drives the idle timeout.
CREATE TABLE web_sessions (
  session_hash text PRIMARY KEY,
  user_kind text NOT NULL CHECK (user_kind IN ('admin', 'partner')),
  user_id text NOT NULL,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at timestamptz,
  ip text,
  user_agent text
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_kind, user_id) WHERE ended_at IS NULL;

-- Failed sign-ins per email (known or not, so the answer never tells which emails exist).
CREATE TABLE sign_in_throttle (
  user_kind text NOT NULL,
  email text NOT NULL,
  -- Times of the recent failures, epoch milliseconds.
  failures bigint[] NOT NULL DEFAULT '{}',
  locked_until timestamptz,
  PRIMARY KEY (user_kind, email)
);
