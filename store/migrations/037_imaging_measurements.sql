-- Imaging measurements (imaging/). One row per measurement result, keyed by its deterministic id
-- (derived from image hash, mask hash, settings and software version), so measuring the same input
-- again is an idempotent upsert. Linked to the study/series it measured and optionally to a source.
CREATE TABLE imaging_measurements (
  id            text PRIMARY KEY,
  study_uid     text,
  series_uid    text,
  image_kind    text NOT NULL CHECK (image_kind IN ('nifti', 'dicom')),
  image_sha256  text NOT NULL,
  mask_sha256   text NOT NULL,
  modality      text NOT NULL,
  label         int,
  lesion_count  int NOT NULL,
  -- Keys of the cached image and mask volumes the slice viewer reads (imaging dir; may expire).
  image_key     text NOT NULL,
  mask_key      text NOT NULL,
  source_id     text REFERENCES sources(id) ON DELETE SET NULL,
  job_id        text,
  result        jsonb NOT NULL,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX imaging_measurements_by_study ON imaging_measurements (study_uid, created_at DESC);
CREATE INDEX imaging_measurements_by_time ON imaging_measurements (created_at DESC);
