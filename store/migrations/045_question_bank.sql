-- Teaching question bank (issue 15): items drafted from the approved graph (templates or LLM), edited,
-- approved and retired by teachers. Every edit is a new version; the row holds the current one and
-- teach_question_versions keeps each version as it was (exams pin the version they used).
CREATE TABLE teach_questions (
  id            text PRIMARY KEY,
  version       int NOT NULL DEFAULT 1,
  status        text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'retired')),
  type          text NOT NULL CHECK (type IN ('single', 'multiple')),
  template      text NOT NULL,                  -- generator template or 'llm' / 'manual'
  engine        text NOT NULL,                  -- templates | llm | manual
  stem          text NOT NULL,
  options       jsonb NOT NULL,                 -- [{ label: 'A', text }]
  answer_key    text[] NOT NULL,                -- labels of the correct options
  explanation   text NOT NULL,
  citations     jsonb NOT NULL,                 -- { relationIds: [...], passages: [{ sourceId, title, version, year, page, quote }] }
  relation_ids  text[] NOT NULL DEFAULT '{}',   -- the approved relations the item was built on (flags when one is retired)
  source_ids    text[] NOT NULL DEFAULT '{}',   -- the sources cited (flags when superseded or retracted)
  disease_id    text,                           -- the entity the item is about
  tags          text[] NOT NULL DEFAULT '{}',   -- knowledge points: entity ids
  difficulty    real NOT NULL,                  -- 0 easy … 1 hard (estimate from features, then from responses)
  level         text NOT NULL CHECK (level IN ('easy', 'medium', 'hard')),
  signature     text NOT NULL,                  -- normalised stem + options, for duplicate detection
  fact_key      text,                           -- template + claim + keyed entities (same fact asked the same way = duplicate)
  claim         jsonb,                          -- { subjectId, predicate, polarity }: what the key asserts, for re-checking
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_by    text NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX teach_questions_status ON teach_questions (status);
CREATE INDEX teach_questions_disease ON teach_questions (disease_id);
CREATE INDEX teach_questions_tags ON teach_questions USING gin (tags);
CREATE INDEX teach_questions_relations ON teach_questions USING gin (relation_ids);

CREATE TABLE teach_question_versions (
  question_id   text NOT NULL REFERENCES teach_questions(id) ON DELETE CASCADE,
  version       int NOT NULL,
  snapshot      jsonb NOT NULL,                 -- the item as it was at this version
  actor         text NOT NULL,
  action        text NOT NULL,                  -- generate | edit | approve | retire
  at            timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (question_id, version, action)
);
