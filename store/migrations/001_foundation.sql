-- Foundation: sources with versions, pages, chunks with tokens and embeddings, search statistics, jobs.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE sources (
  id            text PRIMARY KEY,
  lineage_key   text NOT NULL,             -- the same document across versions (normalised file name)
  version_no    int  NOT NULL,             -- 1, 2, 3… as changed files arrive
  content_hash  text NOT NULL UNIQUE,      -- sha256 of the original bytes: idempotent re-ingest
  kind          text NOT NULL CHECK (kind IN ('guideline', 'textbook', 'literature', 'case', 'other')),
  title         text NOT NULL,
  publisher     text,
  version       text,                      -- as printed ("2025版", "第2版")
  year          int CHECK (year BETWEEN 1900 AND 2200),
  language      text NOT NULL CHECK (language IN ('zh', 'en')),
  file_name     text NOT NULL,
  mime          text NOT NULL,
  byte_size     bigint NOT NULL,
  demo          boolean NOT NULL DEFAULT false,  -- authored demo content, loaded by `npm start`
  paging        text NOT NULL DEFAULT 'native' CHECK (paging IN ('native', 'marked', 'virtual')),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready', 'failed')),
  superseded_by text REFERENCES sources(id) ON DELETE SET NULL,
  page_count    int,
  chunk_count   int,
  error         jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (lineage_key, version_no)
);
CREATE INDEX sources_status ON sources (status);

-- Original bytes live in the database, not on one machine's disk: any worker can resume a job.
CREATE TABLE source_files (
  source_id text PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
  bytes     bytea NOT NULL
);

CREATE TABLE pages (
  source_id text NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  page_no   int  NOT NULL CHECK (page_no >= 1),
  text      text NOT NULL,
  PRIMARY KEY (source_id, page_no)
);

CREATE TABLE chunks (
  id           text PRIMARY KEY,           -- '<source id>:<ordinal>': deterministic, so a resumed job cannot duplicate
  source_id    text NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  ordinal      int  NOT NULL,
  heading_path text[] NOT NULL DEFAULT '{}',
  page_start   int  NOT NULL,
  page_end     int  NOT NULL,
  char_start   int  NOT NULL,              -- offset of the chunk in page_start's text
  text         text NOT NULL,
  tokens       text NOT NULL,              -- segmented lexemes, space separated (readable, re-indexable)
  tsv          tsvector NOT NULL,          -- built from tokens with positions, never by the text parser
  token_count  int  NOT NULL,
  UNIQUE (source_id, ordinal),
  CHECK (page_end >= page_start)
);
CREATE INDEX chunks_tsv ON chunks USING gin (tsv);

-- Embeddings live beside chunks, keyed by model: models differ in dimension, and each model gets
-- its own partial HNSW index (created by the embedder at start, see agents/retrieval/vector-index.ts).
CREATE TABLE chunk_embeddings (
  chunk_id  text NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
  model     text NOT NULL,
  embedding vector NOT NULL,
  PRIMARY KEY (chunk_id, model)
);

-- BM25 statistics maintained in the same transaction as the chunks they count.
CREATE TABLE term_stats (
  term text PRIMARY KEY,
  df   int NOT NULL CHECK (df >= 0)
);
CREATE TABLE corpus_stats (
  id           int PRIMARY KEY CHECK (id = 1),
  n_chunks     bigint NOT NULL DEFAULT 0,
  total_tokens bigint NOT NULL DEFAULT 0
);
INSERT INTO corpus_stats (id) VALUES (1);

CREATE TABLE jobs (
  id             text PRIMARY KEY,
  kind           text NOT NULL,
  status         text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  dedupe_key     text UNIQUE,
  payload        jsonb NOT NULL DEFAULT '{}',
  step           text,
  progress_done  int NOT NULL DEFAULT 0,
  progress_total int NOT NULL DEFAULT 0,
  attempts       int NOT NULL DEFAULT 0,
  max_attempts   int NOT NULL DEFAULT 3,
  last_error     jsonb,
  result         jsonb,
  locked_by      text,
  locked_until   timestamptz,
  run_after      timestamptz NOT NULL DEFAULT now(),
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_claimable ON jobs (created_at) WHERE status IN ('queued', 'running');
