-- Case matching (issue 18), patient timeline and key images.
-- patient_key: a blind index of the patient identifier, HMAC-SM3 under the keyring's MAC key (domain
-- 'yingzhi/cases/patient/v1'), so several studies of one patient are grouped without the identifier in clear
-- and without decrypting every patient_ref (SM4 tokens use a fresh IV each time and cannot be compared).
ALTER TABLE cases ADD COLUMN patient_key text;
CREATE INDEX cases_patient ON cases (patient_key) WHERE patient_key IS NOT NULL;

-- Key images an expert uploads to a typical case: PNG or JPEG with its metadata stripped, or a DICOM slice
-- rendered to PNG (imaging/still-image.ts). Kept apart from cases.key_images (refs in the imported record), so
-- re-importing a case file never drops an uploaded image.
CREATE TABLE case_images (
  id          text PRIMARY KEY,
  case_id     text NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  mime        text NOT NULL CHECK (mime IN ('image/png', 'image/jpeg')),
  bytes       bytea NOT NULL,
  width       int NOT NULL CHECK (width > 0),
  height      int NOT NULL CHECK (height > 0),
  source      text NOT NULL CHECK (source IN ('png', 'jpeg', 'dicom')),
  sha256      text NOT NULL,
  caption     text NOT NULL DEFAULT '',
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, sha256)
);
CREATE INDEX case_images_case ON case_images (case_id, created_at);
