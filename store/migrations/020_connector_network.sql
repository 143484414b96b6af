-- Where connectors may connect: an admin-managed allow-list of networks (CIDR), addresses and host
-- names. A fresh install allows loopback and the RFC 1918 private ranges (a hospital LAN); link-local
-- and cloud metadata addresses are refused in code unless an entry names an address inside them.
CREATE TABLE connector_allowlist (
  id          serial PRIMARY KEY,
  pattern     text NOT NULL UNIQUE,
  note        text NOT NULL DEFAULT '',
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO connector_allowlist (pattern, note, created_by) VALUES
  ('127.0.0.0/8', '本机 loopback', 'install'),
  ('::1/128', '本机 loopback (IPv6)', 'install'),
  ('10.0.0.0/8', '内网 private (RFC 1918)', 'install'),
  ('172.16.0.0/12', '内网 private (RFC 1918)', 'install'),
  ('192.168.0.0/16', '内网 private (RFC 1918)', 'install');

-- Checks record a category (connectors/connector.schema.ts PROBE_ERRORS) and a fixed detail, never
-- raw error text. Rows written before carried raw driver messages: reduce them to their category.
ALTER TABLE connector_checks ADD COLUMN detail text;
UPDATE connector_checks SET
  detail = CASE WHEN error ~ '^HTTP [0-9]{3}' THEN substring(error from '^HTTP [0-9]{3}') END,
  error = CASE
    WHEN error IS NULL THEN NULL
    WHEN error ~ 'ECONNREFUSED' THEN 'CONNECTION_REFUSED'
    WHEN error ~* '^timeout' THEN 'TIMEOUT'
    WHEN error ~ 'ENOTFOUND|EAI_AGAIN' THEN 'DNS_FAILED'
    WHEN error ~ '^HTTP 40[13]' THEN 'AUTH_FAILED'
    WHEN error ~ '^HTTP [0-9]{3}' THEN 'HTTP_STATUS'
    WHEN error ~* 'password|authentication' THEN 'AUTH_FAILED'
    ELSE 'PROTOCOL_ERROR'
  END;

-- RIS database connectors held a connection URL as their secret; URLs are no longer accepted (their
-- options can name local files). Such connectors are disabled and their URL dropped: re-enter them
-- as host, port, database and user.
UPDATE connectors SET secrets = secrets - 'dbUrl', enabled = false, updated_at = now()
 WHERE kind = 'ris' AND config->>'mode' = 'database' AND secrets ? 'dbUrl';
