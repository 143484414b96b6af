-- Keep each chunk's tsvector inline and uncompressed. With the default TOAST target (2 kB) a typical
-- tsvector (≈3.5 kB) is moved out of line, and BM25 scoring then pays a TOAST fetch per candidate
-- and term: measured 2.7 s → 1.0 s for a 35k-candidate query on 100k chunks after this change.
ALTER TABLE chunks SET (toast_tuple_target = 8160);
ALTER TABLE chunks ALTER COLUMN tsv SET STORAGE MAIN;
