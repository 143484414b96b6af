-- Open-vocabulary extraction: what an extractor guessed an unresolved mention to be, and the vocabulary
-- proposals extraction leaves for review (new terms from unresolved mentions, synonyms the text states).

-- The entity type guessed from an unresolved mention's head word (NULL when the mention is linked).
ALTER TABLE kg_candidates ADD COLUMN subject_guess text;
ALTER TABLE kg_candidates ADD COLUMN object_guess text;

-- One proposal per surface form (kind 'term') or per stated synonym pair (kind 'synonym'), keyed by
-- core/text surfaceKey(); approving it creates an entity or adds an alias.
CREATE TABLE kg_term_proposals (
  id              text PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('term', 'synonym')),
  key             text NOT NULL,
  surface         text NOT NULL,
  guessed_type    text,
  -- synonym: the name the alias stands for ('' for a term)
  target_key      text NOT NULL DEFAULT '',
  target_surface  text,
  target_entity_id text REFERENCES kg_entities(id),
  cue             text,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  decided_by      text,
  decided_at      timestamptz,
  decision        jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, key, target_key)
);
CREATE INDEX kg_term_proposals_status ON kg_term_proposals (status, kind);

-- Where a proposal's surface was seen: counts and example quotes come from here. The fingerprint
-- (proposal, chunk or source, offset) makes a re-run of extraction add nothing twice.
CREATE TABLE kg_term_evidence (
  fingerprint  text PRIMARY KEY,
  proposal_id  text NOT NULL REFERENCES kg_term_proposals(id) ON DELETE CASCADE,
  source_id    text NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  chunk_id     text REFERENCES chunks(id) ON DELETE SET NULL,
  page         int,
  quote        text NOT NULL,
  added_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kg_term_evidence_proposal ON kg_term_evidence (proposal_id, added_at);
