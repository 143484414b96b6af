-- Imaging-AI requests and their results (imaging/ai). A request is a durable job (`imaging.ai`) retried
-- with backoff while the service is down; this row shows its state to the user. `findings` holds the
-- result mapped to graph entities; `unknown_labels` the labels that could not be mapped (never dropped).
CREATE TABLE imaging_ai_results (
  id              text PRIMARY KEY,
  job_id          text,
  connector_id    text,
  task            text NOT NULL CHECK (task IN ('segmentation', 'nodule_detection', 'interactive_segmentation')),
  study_uid       text NOT NULL,
  series_uid      text,
  status          text NOT NULL CHECK (status IN ('queued', 'running', 'retrying', 'succeeded', 'failed')),
  attempts        int NOT NULL DEFAULT 0,
  last_error      text,
  request         jsonb NOT NULL,
  response        jsonb,
  findings        jsonb NOT NULL DEFAULT '[]',
  unknown_labels  text[] NOT NULL DEFAULT '{}',
  model           text,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX imaging_ai_results_by_study ON imaging_ai_results (study_uid, created_at DESC);
