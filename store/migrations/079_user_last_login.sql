-- When each account last signed in (issue 14: the user list shows it, so an administrator can see unused accounts).
-- Backfilled from the browsers that signed in to the account; null for an account never signed in.
ALTER TABLE users ADD COLUMN last_login_at timestamptz;
UPDATE users u SET last_login_at = d.last FROM (SELECT user_id, max(last_login_at) AS last FROM auth_devices GROUP BY user_id) d WHERE d.user_id = u.id;
