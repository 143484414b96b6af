-- Tables kept as tables (issue 13 item 3). Each table a reader found, with its header and rows and the
-- span of page text it occupies (so the passage viewer draws it as a table), and, for every chunk cut
-- from a table, which rows it holds (so answers and search results show those rows under the header).
CREATE TABLE source_tables (
  source_id  text NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  ordinal    int  NOT NULL CHECK (ordinal >= 0),   -- table number in the document, in reading order
  page_no    int  NOT NULL CHECK (page_no >= 1),
  char_start int  NOT NULL CHECK (char_start >= 0), -- [char_start, char_end) of the table's text in the page text
  char_end   int  NOT NULL,
  caption    text,
  header     jsonb NOT NULL,                        -- ["结节大小（平均直径）", "单发·低风险", …]
  rows       jsonb NOT NULL,                        -- [["＜6 mm", "无需常规随访", …], …]
  PRIMARY KEY (source_id, ordinal),
  CHECK (char_end >= char_start)
);
CREATE INDEX source_tables_page ON source_tables (source_id, page_no);

CREATE TABLE chunk_table_rows (
  chunk_id      text PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
  source_id     text NOT NULL,
  table_ordinal int  NOT NULL,
  row_start     int  NOT NULL CHECK (row_start >= 0),
  row_end       int  NOT NULL,                      -- exclusive
  FOREIGN KEY (source_id, table_ordinal) REFERENCES source_tables (source_id, ordinal) ON DELETE CASCADE,
  CHECK (row_end > row_start)
);
CREATE INDEX chunk_table_rows_table ON chunk_table_rows (source_id, table_ordinal);
