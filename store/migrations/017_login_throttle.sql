-- Login abuse (issue 12, M7): exponential backoff per account, per client and per known device instead of
-- hard lock-outs; one audit row per burst of failures instead of one per attempt.

-- device: SHA-256 of the browser's device cookie when that device had signed in to this account before
-- (it is then throttled on its own, not by what strangers do to the account). throttled: refused during a
-- backoff wait without the password being checked (kept for the burst count, not for the backoff).
ALTER TABLE auth_login_attempts ADD COLUMN device text;
ALTER TABLE auth_login_attempts ADD COLUMN throttled boolean NOT NULL DEFAULT false;
CREATE INDEX auth_login_attempts_device ON auth_login_attempts (device, username_key, at) WHERE device IS NOT NULL;

-- Browsers that signed in to an account: the cookie holds a random device id, this table its SHA-256.
CREATE TABLE auth_devices (
  id            text NOT NULL,                          -- sha256 hex of the device cookie
  user_id       text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, user_id)
);
CREATE INDEX auth_devices_user ON auth_devices (user_id);

-- An open burst of failed sign-ins for one name from one client: its first failure is audited at once,
-- the total when it has been quiet for the burst gap (or the name signs in from there).
CREATE TABLE auth_failure_bursts (
  username_key  text NOT NULL,
  ip            text NOT NULL,
  first_at      timestamptz NOT NULL DEFAULT now(),
  last_at       timestamptz NOT NULL DEFAULT now(),
  failures      int NOT NULL DEFAULT 0,
  throttled     int NOT NULL DEFAULT 0,
  reasons       jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (username_key, ip)
);
CREATE INDEX auth_failure_bursts_last ON auth_failure_bursts (last_at);
