-- Who put a source into the knowledge base (issue 12, M5): the signed-in user of an upload, `cli:<os user>`
-- for `yingzhi ingest`, `watch:<id>` for a scheduled PubMed run, `system` for the demo corpus. NULL only
-- for sources stored before this migration (the uploader was not recorded then).
ALTER TABLE sources ADD COLUMN uploaded_by text;
