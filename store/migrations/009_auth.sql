-- Accounts, sessions, API tokens and login attempts (Security issue). All auth state lives here, not in
-- process memory, so any number of API processes agree on sessions, revocations and lockouts.
CREATE TABLE users (
  id                    text PRIMARY KEY,
  username              text NOT NULL UNIQUE,           -- lower case, [a-z0-9._-]
  display_name          text NOT NULL,
  role                  text NOT NULL CHECK (role IN ('admin', 'director', 'physician', 'technician', 'resident', 'teacher', 'expert')),
  password_hash         text NOT NULL,                  -- scrypt$N$r$p$salt$hash
  must_change_password  boolean NOT NULL DEFAULT false,
  disabled              boolean NOT NULL DEFAULT false,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  password_changed_at   timestamptz NOT NULL DEFAULT now()
);

-- A browser session: the cookie carries the secret, the table only its SHA-256.
CREATE TABLE auth_sessions (
  id            text PRIMARY KEY,                       -- sha256 hex of the cookie secret
  user_id       text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  ip            text,
  user_agent    text
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

-- Bearer tokens `yzt_<id>_<secret>` for integrations: scoped (null = the owner's permissions), expiring, revocable.
CREATE TABLE api_tokens (
  id            text PRIMARY KEY,
  user_id       text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name          text NOT NULL,
  secret_hash   text NOT NULL,                          -- sha256 hex of the secret
  scopes        text[],
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Every login attempt: lockout (failures per username) and the per-IP rate limit read this table.
CREATE TABLE auth_login_attempts (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  username_key  text NOT NULL,
  ip            text NOT NULL,
  ok            boolean NOT NULL
);
CREATE INDEX auth_login_attempts_user ON auth_login_attempts (username_key, at);
CREATE INDEX auth_login_attempts_ip ON auth_login_attempts (ip, at);
