-- Lexical search as an inverted index of our own, in Postgres (PGlite and PostgreSQL alike).
-- A query reads the posting lists of its terms (words, CJK character bigrams, codes, entity lexemes) and
-- scores every chunk containing any of them with BM25 — no per-candidate SQL, no arbitrary candidate
-- cap. Lists are written in segments (one per indexed batch, in the batch's transaction) and merged in
-- tiers by a compaction step, so a term has a few rows, not one per batch.

CREATE SEQUENCE chunk_seq;
-- A compact integer per chunk: posting lists store seq deltas.
ALTER TABLE chunks ADD COLUMN seq bigint;
UPDATE chunks SET seq = nextval('chunk_seq');
ALTER TABLE chunks ALTER COLUMN seq SET DEFAULT nextval('chunk_seq');
ALTER TABLE chunks ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX chunks_seq ON chunks (seq);

CREATE TABLE search_segments (
  id         bigserial PRIMARY KEY,
  level      int NOT NULL DEFAULT 0,        -- 0: one batch; n: merged from segments of level n−1
  docs       int NOT NULL,                  -- chunks in the segment
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_segments_level ON search_segments (level);

CREATE TABLE search_postings (
  term       text   NOT NULL,
  segment_id bigint NOT NULL REFERENCES search_segments(id) ON DELETE CASCADE,
  df         int    NOT NULL CHECK (df > 0),
  data       bytea  NOT NULL,               -- see search/postings.ts
  PRIMARY KEY (term, segment_id)
);
CREATE INDEX search_postings_segment ON search_postings (segment_id);
-- Varint-packed lists do not compress: skip the attempt, keep large lists out of line.
ALTER TABLE search_postings ALTER COLUMN data SET STORAGE EXTERNAL;

-- Chunks deleted since their segments were written; compaction drops them from merged lists.
CREATE TABLE search_deleted (seq bigint PRIMARY KEY);

-- Which tokenizer built the index: a start with a different version rebuilds the posting lists.
CREATE TABLE search_index_meta (
  id      int PRIMARY KEY CHECK (id = 1),
  version text NOT NULL
);
INSERT INTO search_index_meta (id, version) VALUES (1, 'none');

-- The tsvector index and its term table are replaced by the posting lists.
DROP INDEX chunks_tsv;
ALTER TABLE chunks DROP COLUMN tsv;
DROP TABLE term_stats;
