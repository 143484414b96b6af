-- Typical-case library (cases/, issue 18): de-identified typical cases curated by experts, draft → approved
-- like triples. Text columns hold de-identified text only; a patient identifier, when given, is stored
-- SM4-encrypted (patient_ref) and never in clear. `fingerprint` (hash of the normalised input) makes
-- re-importing the same file a no-op; `relation_ids` are the approved relations that supported the
-- case when it was approved (a retired one flags the case for re-review).
CREATE TABLE cases (
  id               text PRIMARY KEY,
  status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'retired')),
  version          int NOT NULL DEFAULT 1,
  demo             boolean NOT NULL DEFAULT false,
  disease_area     text NOT NULL,
  modality         text NOT NULL,
  body_part        text NOT NULL DEFAULT '',
  title            text NOT NULL,
  findings_text    text NOT NULL,
  impression       text NOT NULL DEFAULT '',
  diagnosis        jsonb NOT NULL,               -- { name, entityId?, icd10? }
  acceptable       jsonb NOT NULL DEFAULT '[]',  -- other names of the same diagnosis
  findings         jsonb NOT NULL DEFAULT '[]',  -- [{ entityId?, finding, location, sizeMm?, certainty }]
  fields           jsonb NOT NULL DEFAULT '{}',  -- disease-area fields (cases/disease-fields.yaml)
  teaching_points  jsonb NOT NULL DEFAULT '[]',
  key_images       jsonb NOT NULL DEFAULT '[]',
  studies          jsonb NOT NULL DEFAULT '[]',  -- [{ date, modality, measurements: [...] }] for the timeline
  source_refs      jsonb NOT NULL DEFAULT '[]',
  patient_ref      text,                         -- SM4 field token, or null
  relation_ids     text[] NOT NULL DEFAULT '{}',
  fingerprint      text NOT NULL,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_by       text NOT NULL,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  approved_by      text,
  approved_at      timestamptz
);
CREATE INDEX cases_status ON cases (status, disease_area);
CREATE INDEX cases_relations ON cases USING gin (relation_ids);
