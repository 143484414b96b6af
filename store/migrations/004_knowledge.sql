-- Knowledge: the system of record for entities, candidate triples, reviewed relations and their history.
-- The graph stores (Postgres read model or Neo4j) are projections of kg_outbox and can be rebuilt from it.

CREATE TABLE kg_entities (
  id           text PRIMARY KEY,
  type         text NOT NULL,
  name_zh      text NOT NULL,
  name_en      text NOT NULL DEFAULT '',
  codes        jsonb NOT NULL DEFAULT '{}',
  definition   text,
  origin       text NOT NULL CHECK (origin IN ('lexicon', 'review', 'import')),
  -- Set while the entity is merged into another; the merge row in kg_merges can undo it.
  merged_into  text REFERENCES kg_entities(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Every surface a user or a model may write for an entity, keyed by core/text surfaceKey().
CREATE TABLE kg_aliases (
  entity_id  text NOT NULL REFERENCES kg_entities(id),
  key        text NOT NULL,
  surface    text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('name', 'alias', 'merged')),
  merge_id   text,
  PRIMARY KEY (entity_id, key)
);
CREATE INDEX kg_aliases_key ON kg_aliases (key);

CREATE TABLE kg_candidates (
  id                 text PRIMARY KEY,
  -- hash(chunk, extractor, subject, predicate, object, certainty): re-running extraction adds nothing twice.
  fingerprint        text NOT NULL UNIQUE,
  status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  subject_text       text NOT NULL,
  subject_id         text REFERENCES kg_entities(id),
  predicate          text NOT NULL,
  object_text        text NOT NULL,
  object_id          text REFERENCES kg_entities(id),
  certainty          text NOT NULL CHECK (certainty IN ('present', 'absent', 'possible')),
  qualifiers         jsonb NOT NULL DEFAULT '{}',
  source_id          text NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  chunk_id           text REFERENCES chunks(id) ON DELETE SET NULL,
  page               int,
  quote              text NOT NULL,
  quote_start        int,
  quote_end          int,
  extractor          text NOT NULL CHECK (extractor IN ('rules', 'llm', 'import')),
  extractor_version  text NOT NULL,
  confidence         real NOT NULL,
  tags               text[] NOT NULL DEFAULT '{}',
  relation_id        text,
  reviewed_by        text,
  reviewed_at        timestamptz,
  review_comment     text,
  demo               boolean NOT NULL DEFAULT false,
  -- Optimistic concurrency: two reviewers acting on the same candidate cannot both win.
  row_version        int NOT NULL DEFAULT 1,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kg_candidates_status ON kg_candidates (status, created_at);
CREATE INDEX kg_candidates_source ON kg_candidates (source_id);
CREATE INDEX kg_candidates_spo ON kg_candidates (subject_id, predicate, object_id);
CREATE INDEX kg_candidates_object ON kg_candidates (object_id);

CREATE TABLE kg_relations (
  id             text PRIMARY KEY,
  subject_id     text NOT NULL REFERENCES kg_entities(id),
  predicate      text NOT NULL,
  object_id      text NOT NULL REFERENCES kg_entities(id),
  certainty      text NOT NULL CHECK (certainty IN ('present', 'absent', 'possible')),
  qualifiers     jsonb NOT NULL DEFAULT '{}',
  confidence     real NOT NULL,
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  version        int NOT NULL DEFAULT 1,
  demo           boolean NOT NULL DEFAULT false,
  retired_reason text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
-- One active relation per (subject, predicate, object); certainty is a property of it, so a
-- contradicting candidate is a conflict to resolve, not a second edge.
CREATE UNIQUE INDEX kg_relations_active_key ON kg_relations (subject_id, predicate, object_id) WHERE status = 'active';
CREATE INDEX kg_relations_object ON kg_relations (object_id);

CREATE TABLE kg_evidence (
  relation_id   text NOT NULL REFERENCES kg_relations(id),
  candidate_id  text NOT NULL REFERENCES kg_candidates(id) ON DELETE CASCADE,
  source_id     text NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  chunk_id      text,
  page          int,
  quote         text NOT NULL,
  added_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (relation_id, candidate_id)
);
CREATE INDEX kg_evidence_source ON kg_evidence (source_id);

-- Every review action, per relation / candidate / entity: who, when, what changed.
CREATE TABLE kg_history (
  id            bigserial PRIMARY KEY,
  relation_id   text,
  candidate_id  text,
  entity_id     text,
  action        text NOT NULL,
  actor         text NOT NULL,
  comment       text,
  before        jsonb,
  after         jsonb,
  at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kg_history_relation ON kg_history (relation_id, id);
CREATE INDEX kg_history_candidate ON kg_history (candidate_id, id);

-- Entity merges (an entity into another, or a free-text surface onto an entity), reversible.
CREATE TABLE kg_merges (
  id           text PRIMARY KEY,
  from_id      text REFERENCES kg_entities(id),
  from_surface text,
  into_id      text NOT NULL REFERENCES kg_entities(id),
  actor        text NOT NULL,
  comment      text,
  -- What the merge changed, so undo restores exactly that.
  changes      jsonb NOT NULL DEFAULT '{}',
  at           timestamptz NOT NULL DEFAULT now(),
  undone_at    timestamptz,
  undone_by    text
);

-- Outbox: written in the same transaction as the change; the projector applies it to graph stores.
CREATE TABLE kg_outbox (
  seq         bigserial PRIMARY KEY,
  event       jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kg_projection (
  store       text PRIMARY KEY,
  last_seq    bigint NOT NULL DEFAULT 0,
  last_error  text,
  error_at    timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kg_meta (
  key    text PRIMARY KEY,
  value  text NOT NULL
);
