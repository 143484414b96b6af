-- Case vectors (issue 18): the findings text of each typical case embedded once per embedder model and kept,
-- so a large library is not re-embedded at every start. Keyed by model and the SHA-256 of the (de-identified)
-- text: an edited case gets a new row, an unchanged one is read back. `vector` is the Float32 array's bytes
-- (little-endian) in base64, `dim` its length: text, not bytea, because embedded PGlite returns 50,000 bytea
-- values about 8× slower than the same bytes as base64 text (measured: 2.6 s vs 0.3 s for 10,000 vectors).
CREATE TABLE case_vectors (
  model       text NOT NULL,
  text_hash   text NOT NULL,
  dim         int NOT NULL CHECK (dim > 0),
  vector      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, text_hash)
);
