-- Parse once: each stored page keeps the layout of the blocks it was assembled from (kind, heading
-- level, length), so chunks are derived from stored pages by any worker without re-reading the file.
-- NULL for pages stored before this migration (their job falls back to the original file).
ALTER TABLE pages ADD COLUMN layout jsonb;

-- Original files in parts (512 KB), written one statement each so no single write holds the
-- embedded database (and the event loop with it) for long; stored uncompressed: PDFs are compressed
-- already and pglz over megabytes costs seconds. Existing files become part 0.
ALTER TABLE source_files ADD COLUMN part_no int NOT NULL DEFAULT 0 CHECK (part_no >= 0);
ALTER TABLE source_files DROP CONSTRAINT source_files_pkey;
ALTER TABLE source_files ADD PRIMARY KEY (source_id, part_no);
ALTER TABLE source_files ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- Explicit versioning: `lineage_key` groups the versions the uploader chose to chain; `name_key` is the
-- normalised file name, used to show an uploader which current sources share the name of a new file
-- (NULL: the lineage key is the name, as for every source stored before this migration).
ALTER TABLE sources ADD COLUMN name_key text;
CREATE INDEX sources_name_key ON sources ((coalesce(name_key, lineage_key))) WHERE superseded_by IS NULL;
