-- Knowledge-base management (issue 14): a passage can be taken out of search with a reason, and put back.
-- Disabled passages stay stored (their citations in old answers still open) but search and chat skip them.
ALTER TABLE chunks ADD COLUMN disabled_at timestamptz;
ALTER TABLE chunks ADD COLUMN disabled_by text;
ALTER TABLE chunks ADD COLUMN disabled_reason text;
CREATE INDEX chunks_disabled ON chunks (source_id) WHERE disabled_at IS NOT NULL;

-- Server-side list filters: title / publisher / file name search and sorting by year.
CREATE INDEX sources_kind_created ON sources (kind, created_at DESC);
