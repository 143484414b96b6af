-- Every model call (and every response-cache hit) with its token counts and latency, for the LLM status
-- page: calls, cache hits, tokens, p50/p95 latency over a recent window.
CREATE TABLE llm_usage (
  id                 bigserial PRIMARY KEY,
  at                 timestamptz NOT NULL DEFAULT now(),
  provider           text NOT NULL,               -- ollama | openai
  model              text NOT NULL,
  purpose            text,                        -- prompt tag, e.g. chat-answer@v1
  streamed           boolean NOT NULL DEFAULT false,
  cache_hit          boolean NOT NULL DEFAULT false,
  prompt_tokens      int NOT NULL DEFAULT 0,
  completion_tokens  int NOT NULL DEFAULT 0,
  latency_ms         int NOT NULL DEFAULT 0,
  error_code         text                         -- LLM_TIMEOUT, LLM_UNAVAILABLE… (null: answered)
);
CREATE INDEX llm_usage_at ON llm_usage (at);

-- Chat memory: one conversation belongs to one actor; every read filters by actor in SQL.
CREATE TABLE chat_conversations (
  id          text PRIMARY KEY,
  actor       text NOT NULL,
  title       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_conversations_actor ON chat_conversations (actor, updated_at DESC);

-- Turns of a conversation. An assistant message records how it was made: engine, model, prompt version,
-- the rewritten query, its citations (JSON, as shown), the checked sentences, tokens and latency.
CREATE TABLE chat_messages (
  id                 text PRIMARY KEY,
  conversation_id    text NOT NULL REFERENCES chat_conversations(id) ON DELETE CASCADE,
  seq                int NOT NULL,
  role               text NOT NULL CHECK (role IN ('user', 'assistant')),
  content            text NOT NULL,
  lang               text CHECK (lang IN ('zh', 'en')),
  citations          jsonb NOT NULL DEFAULT '[]',
  sentences          jsonb,
  engine             text CHECK (engine IN ('llm', 'extractive')),
  model              text,
  prompt_version     text,
  rewritten_query    text,
  refused            boolean NOT NULL DEFAULT false,
  prompt_tokens      int NOT NULL DEFAULT 0,
  completion_tokens  int NOT NULL DEFAULT 0,
  latency_ms         int,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (conversation_id, seq)
);
