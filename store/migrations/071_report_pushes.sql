-- The report outbox (reporting/push): each "insert into RIS" through a push target (a RIS connector in REST
-- mode: a webhook) is a row the Draft page shows — queued, retrying with its last error, sent or failed —
-- delivered by the durable job `reporting.push` (retries with back-off; the row id is the Idempotency-Key).
CREATE TABLE report_pushes (
  id               text PRIMARY KEY,
  draft_id         text NOT NULL REFERENCES report_drafts (id),
  connector_id     text NOT NULL,
  connector_name   text NOT NULL,
  format           text NOT NULL CHECK (format IN ('hl7', 'fhir', 'json')),
  base_url         text NOT NULL DEFAULT '',
  status           text NOT NULL CHECK (status IN ('queued', 'retrying', 'sent', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  last_error       text,
  response_status  integer,
  job_id           text,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz
);
CREATE INDEX report_pushes_by_draft ON report_pushes (draft_id, created_at DESC);
