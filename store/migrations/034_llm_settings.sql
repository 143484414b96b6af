-- The active model, chosen in Settings by an admin (audited): overrides the YZ_LLM* environment, which
-- stays the default. One row; every process reads it (never cached across processes without a version).
CREATE TABLE llm_settings (
  id            smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  kind          text NOT NULL CHECK (kind IN ('environment', 'none', 'ollama', 'openai', 'embedded', 'connector')),  -- environment: reset, YZ_LLM decides
  model         text,                    -- server model name, catalog id (embedded) or null
  url           text,                    -- server URL (ollama/openai)
  model_file    text,                    -- GGUF path (embedded, instead of a catalog id)
  connector_id  text,                    -- kind = connector: an LLM connector (its URL, API key and model)
  version       int NOT NULL DEFAULT 1,  -- bumped on every change: processes compare it to switch
  updated_by    text NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Whether a model emits native tool_calls, decided once by a probe and kept (the prompted protocol otherwise).
CREATE TABLE llm_capabilities (
  provider      text NOT NULL,
  url           text NOT NULL,
  model         text NOT NULL,
  native_tools  boolean NOT NULL,
  probed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, url, model)
);

-- Time to the first streamed piece, for prompt vs generation speed (tokens/s) on the Settings page.
ALTER TABLE llm_usage ADD COLUMN first_token_ms int;
