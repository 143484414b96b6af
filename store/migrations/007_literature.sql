-- Source lifecycle for every source: evidence level and retraction beside the existing
-- version / year / superseded_by. Search and chat show both with each citation.
ALTER TABLE sources ADD COLUMN evidence_level text CHECK (evidence_level IN (
  'guideline', 'systematic_review', 'meta_analysis', 'rct', 'cohort', 'case_control', 'case_series', 'case_report',
  'review', 'textbook', 'expert_opinion', 'other'));
ALTER TABLE sources ADD COLUMN retracted_at timestamptz;
ALTER TABLE sources ADD COLUMN retraction_note text;
UPDATE sources SET evidence_level = CASE kind WHEN 'guideline' THEN 'guideline' WHEN 'textbook' THEN 'textbook' END;

-- PubMed watches: a saved query run on a schedule (cron, monthly by default).
CREATE TABLE pubmed_watches (
  id              text PRIMARY KEY,
  name            text NOT NULL UNIQUE,
  query           text NOT NULL,
  mesh_terms      text[] NOT NULL DEFAULT '{}',
  journals        text[] NOT NULL DEFAULT '{}',
  languages       text[] NOT NULL DEFAULT '{}',
  lookback_days   int  NOT NULL DEFAULT 1095 CHECK (lookback_days BETWEEN 1 AND 36500),  -- first run's window
  cron            text NOT NULL DEFAULT '0 3 1 * *',
  max_records     int  NOT NULL DEFAULT 2000 CHECK (max_records BETWEEN 1 AND 100000),
  enabled         boolean NOT NULL DEFAULT true,
  -- The next run fetches from here (the end of the last successful window), so a failed month is caught up.
  covered_until   date,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One fetch of a watch (or one manual XML import): its window, progress and counts.
CREATE TABLE pubmed_runs (
  id            text PRIMARY KEY,
  watch_id      text REFERENCES pubmed_watches(id) ON DELETE CASCADE,
  job_id        text,
  trigger       text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'import')),
  status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  term          text NOT NULL,                 -- the esearch term as sent (or the imported file's name)
  min_date      date,
  max_date      date,
  total         int,
  fetched       int NOT NULL DEFAULT 0,
  new_records   int NOT NULL DEFAULT 0,
  updated       int NOT NULL DEFAULT 0,
  unchanged     int NOT NULL DEFAULT 0,
  retracted     int NOT NULL DEFAULT 0,
  skipped       int NOT NULL DEFAULT 0,
  web_env       text,
  query_key     text,
  error         jsonb,
  attempts      int NOT NULL DEFAULT 0,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
CREATE INDEX pubmed_runs_watch ON pubmed_runs (watch_id, started_at DESC);
-- At most one run of a watch at a time, whichever process starts it.
CREATE UNIQUE INDEX pubmed_runs_one_running ON pubmed_runs (watch_id) WHERE status = 'running' AND watch_id IS NOT NULL;

-- PubMed metadata of a literature source, keyed by PMID: dedup across runs and revisions.
CREATE TABLE literature_records (
  pmid              text PRIMARY KEY,
  source_id         text NOT NULL REFERENCES sources(id) ON DELETE CASCADE,   -- the current version
  record_hash       text NOT NULL,                                            -- detects revised records
  doi               text,
  pmcid             text,
  journal           text,
  authors           jsonb NOT NULL DEFAULT '[]',
  mesh              jsonb NOT NULL DEFAULT '[]',
  keywords          text[] NOT NULL DEFAULT '{}',
  publication_types text[] NOT NULL DEFAULT '{}',
  pub_date          text,
  revised_date      date,
  has_abstract      boolean NOT NULL,
  retracted         boolean NOT NULL DEFAULT false,
  retraction_pmids  text[] NOT NULL DEFAULT '{}',
  first_run_id      text REFERENCES pubmed_runs(id) ON DELETE SET NULL,
  last_run_id       text REFERENCES pubmed_runs(id) ON DELETE SET NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX literature_records_source ON literature_records (source_id);
CREATE INDEX literature_records_doi ON literature_records (lower(doi)) WHERE doi IS NOT NULL;

-- Retraction notices can arrive before the article they retract: kept until it does.
CREATE TABLE literature_retractions (
  pmid          text PRIMARY KEY,      -- the retracted article
  notice_pmid   text NOT NULL,
  seen_at       timestamptz NOT NULL DEFAULT now()
);
