-- Posting rows are written only together with their segment, in one transaction, and removed together with
-- it (search/search-index.repository.ts deletes both explicitly). The foreign key's per-row check cost more
-- than half of every posting-list insert on PGlite (EXPLAIN ANALYZE: 18 of 32 ms for 3,000 rows), the
-- largest single cost of indexing a document.
ALTER TABLE search_postings DROP CONSTRAINT IF EXISTS search_postings_segment_id_fkey;
-- Orphans cannot arise from here on; none exist before (the key held until now).
