-- External terminologies a hospital licenses (CSV, SKOS/OWL such as RadLex, SNOMED CT RF2 descriptions,
-- ICD-10), imported as entities, aliases and codes. An import is a batch: everything it wrote carries its
-- id, and `changes` records what it changed on entities that existed before, so undo restores them.
CREATE TABLE kg_vocab_imports (
  id          text PRIMARY KEY,
  format      text NOT NULL CHECK (format IN ('csv', 'skos', 'rf2', 'icd10')),
  file_name   text NOT NULL,
  sha256      text NOT NULL,
  code_system text NOT NULL,
  actor       text NOT NULL,
  summary     jsonb NOT NULL,
  changes     jsonb NOT NULL,
  status      text NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'undone')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  undone_at   timestamptz,
  undone_by   text
);

ALTER TABLE kg_entities ADD COLUMN import_id text REFERENCES kg_vocab_imports(id);
ALTER TABLE kg_aliases ADD COLUMN import_id text REFERENCES kg_vocab_imports(id);
CREATE INDEX kg_aliases_import ON kg_aliases (import_id) WHERE import_id IS NOT NULL;
CREATE INDEX kg_entities_import ON kg_entities (import_id) WHERE import_id IS NOT NULL;
-- Deleting entities (undo) checks the self-reference and proposal references: index them, or each delete scans the table.
CREATE INDEX kg_entities_merged_into ON kg_entities (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX kg_term_proposals_target ON kg_term_proposals (target_entity_id) WHERE target_entity_id IS NOT NULL;
