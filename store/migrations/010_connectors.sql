-- Integration connectors (RIS, PACS, imaging AI, research databases, LLM) and their health history.
-- `config` holds only non-secret settings; `secrets` maps a field name to an SM4 field token
-- (core/crypto encryptField: `sm4cbc1:<keyId>:…`), never plaintext. Key rotation walks `secrets`.
CREATE TABLE connectors (
  id          text PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  kind        text NOT NULL CHECK (kind IN ('ris', 'pacs', 'imaging_ai', 'research_db', 'llm')),
  config      jsonb NOT NULL DEFAULT '{}',
  secrets     jsonb NOT NULL DEFAULT '{}',
  enabled     boolean NOT NULL DEFAULT true,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One probe of one connector: the newest row per connector is its current status.
CREATE TABLE connector_checks (
  id            bigserial PRIMARY KEY,
  connector_id  text NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
  status        text NOT NULL CHECK (status IN ('up', 'down')),
  latency_ms    int,
  error         text,
  trigger       text NOT NULL DEFAULT 'schedule' CHECK (trigger IN ('schedule', 'manual')),
  checked_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX connector_checks_by_connector ON connector_checks (connector_id, checked_at DESC, id DESC);
