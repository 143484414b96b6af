-- Report drafts (reporting/): each draft with its inputs, template id + version, engine and the measurement /
-- AI result it cites, so a provenance id reopens exactly what was drafted. Rows are never updated.
CREATE TABLE report_drafts (
  id                text PRIMARY KEY,
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  template_id       text NOT NULL,
  template_version  text NOT NULL,
  engine            text NOT NULL CHECK (engine IN ('template', 'llm')),
  measurement_id    text,
  ai_result_id      text,
  doc               jsonb NOT NULL
);
CREATE INDEX report_drafts_by_time ON report_drafts (created_at DESC);
CREATE INDEX report_drafts_by_measurement ON report_drafts (measurement_id) WHERE measurement_id IS NOT NULL;
