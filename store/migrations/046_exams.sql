-- Exams assembled from the approved bank by a blueprint, and the attempts residents make.
CREATE TABLE teach_exams (
  id              text PRIMARY KEY,
  title           text NOT NULL,
  status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'closed')),
  blueprint       jsonb NOT NULL,               -- [{ tag, level, count }]
  items           jsonb NOT NULL,               -- [{ questionId, version, snapshot }] pinned at assembly
  order_mode      text NOT NULL CHECK (order_mode IN ('fixed', 'random')),
  time_limit_s    int NOT NULL CHECK (time_limit_s > 0),
  max_attempts    int NOT NULL DEFAULT 1 CHECK (max_attempts >= 1),
  multiple_scoring text NOT NULL CHECK (multiple_scoring IN ('all_or_nothing', 'partial')),
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  published_at    timestamptz
);

CREATE TABLE teach_attempts (
  id            text PRIMARY KEY,
  exam_id       text NOT NULL REFERENCES teach_exams(id),
  user_id       text NOT NULL,
  username      text NOT NULL,
  seq           int NOT NULL,                   -- 1 for the first attempt of this user at this exam
  item_order    int[] NOT NULL,                 -- indexes into teach_exams.items, per-resident order
  option_seed   int NOT NULL,
  started_at    timestamptz NOT NULL DEFAULT now(),
  deadline      timestamptz NOT NULL,           -- server-enforced: answers after it are refused
  answers       jsonb NOT NULL DEFAULT '{}',    -- { questionId: [labels] }, saved as the resident goes
  submitted_at  timestamptz,
  score         real,
  max_score     real,
  results       jsonb,                          -- per item: { questionId, chosen, correct, credit }
  UNIQUE (exam_id, user_id, seq)
);
CREATE INDEX teach_attempts_exam ON teach_attempts (exam_id);
