-- Case vectors (issue 18): the findings text of each typical case embedded once per embedder model and kept,
-- so a large library is not re-embedded at every start. Keyed by model and the SHA-256 of the (de-identified)
-- text: an edited case gets a new row, an unchanged one is read back. `vector` is the Float32 array's bytes
-- (little-endian), `dim` its length.
CREATE TABLE case_vectors (
  model       text NOT NULL,
  text_hash   text NOT NULL,
  dim         int NOT NULL CHECK (dim > 0),
  vector      bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, text_hash)
);
