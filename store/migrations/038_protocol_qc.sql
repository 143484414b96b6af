-- Scan-protocol and image-quality QC runs (imaging/qc). One row per checked series; `input_key` (hash of
-- the series' files and the rules version) makes re-checking the same series idempotent. Only
-- non-identifying acquisition facts are stored (scanner, protocol, parameters), never patient fields.
CREATE TABLE protocol_qc_runs (
  id                  text PRIMARY KEY,
  input_key           text NOT NULL UNIQUE,
  study_uid           text,
  series_uid          text NOT NULL,
  modality            text NOT NULL,
  exam_type           text,
  protocol_name       text,
  series_description  text,
  scanner             text NOT NULL,
  acquired_at         timestamptz,
  score               numeric(5, 1) NOT NULL,
  status              text NOT NULL CHECK (status IN ('pass', 'warn', 'fail')),
  result              jsonb NOT NULL,
  created_by          text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX protocol_qc_runs_by_scanner ON protocol_qc_runs (scanner, acquired_at DESC);
CREATE INDEX protocol_qc_runs_by_time ON protocol_qc_runs (coalesce(acquired_at, created_at) DESC);
