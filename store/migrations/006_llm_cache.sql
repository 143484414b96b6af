-- Model answers by exact request, so re-running extraction over unchanged chunks costs no model calls.
-- input_sha256 hashes everything sent (messages, schema, sampling settings); the prompt id and version
-- are kept as columns so answers from retired prompt versions can be found and deleted.
CREATE TABLE llm_cache (
  model              text NOT NULL,
  prompt_id          text NOT NULL,
  prompt_version     int NOT NULL,
  input_sha256       text NOT NULL,
  response           text NOT NULL,
  prompt_tokens      int NOT NULL DEFAULT 0,
  completion_tokens  int NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, prompt_id, prompt_version, input_sha256)
);
CREATE INDEX llm_cache_prompt ON llm_cache (prompt_id, prompt_version);
