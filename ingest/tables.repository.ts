import type { Queryable } from '../store/index.ts';
import type { TableData } from './document.ts';
import type { PageTable, TableRowsRef } from './table-chunks.ts';

/** A table as a page shows it: where its text lies in the page text, and its header and rows. */
export interface PageTableView extends TableData {
  ordinal: number;
  page: number;
  charStart: number;
  charEnd: number;
}

/** The table rows a chunk holds, with the table's caption and header. */
export interface ChunkTable extends TableData {
  /** Index of the chunk's first row in its table, and the table's row count. */
  rowStart: number;
  tableRows: number;
}

interface TableRow {
  source_id: string;
  ordinal: number;
  page_no: number;
  char_start: number;
  char_end: number;
  caption: string | null;
  header: string[];
  rows: string[][];
}

const view = (r: TableRow): PageTableView => ({
  ordinal: r.ordinal, page: r.page_no, charStart: r.char_start, charEnd: r.char_end, ...(r.caption ? { caption: r.caption } : {}), header: r.header, rows: r.rows,
});

/** SQL for the tables of sources (source_tables) and the table rows of chunks (chunk_table_rows). */
export class TablesRepository {
  /** Store a source's tables (with its pages, in the caller's transaction). Idempotent by (source, ordinal). */
  async insertTables(tx: Queryable, sourceId: string, tables: PageTable[]): Promise<void> {
    if (!tables.length) return;
    await tx.query(
      `INSERT INTO source_tables (source_id, ordinal, page_no, char_start, char_end, caption, header, rows)
       SELECT $1, t.ordinal, t.page, t.char_start, t.char_end, t.caption, t.header, t.rows
       FROM jsonb_to_recordset($2::jsonb) AS t(ordinal int, page int, char_start int, char_end int, caption text, header jsonb, rows jsonb)
       ON CONFLICT (source_id, ordinal) DO NOTHING`,
      [sourceId, JSON.stringify(tables.map((t) => ({ ordinal: t.ordinal, page: t.page, char_start: t.charStart, char_end: t.charEnd, caption: t.table.caption ?? null, header: t.table.header, rows: t.table.rows })))],
    );
  }

  /** Record which table rows the given chunks hold (after the chunks are inserted). Idempotent. */
  async insertChunkRows(tx: Queryable, sourceId: string, refs: Array<{ chunkId: string; ref: TableRowsRef }>): Promise<void> {
    if (!refs.length) return;
    await tx.query(
      `INSERT INTO chunk_table_rows (chunk_id, source_id, table_ordinal, row_start, row_end)
       SELECT r.chunk_id, $1, r.t, r.s, r.e FROM jsonb_to_recordset($2::jsonb) AS r(chunk_id text, t int, s int, e int)
       ON CONFLICT (chunk_id) DO NOTHING`,
      [sourceId, JSON.stringify(refs.map((r) => ({ chunk_id: r.chunkId, t: r.ref.table, s: r.ref.rowStart, e: r.ref.rowEnd })))],
    );
  }

  /** The tables on pages `from`–`to` of a source, in page and text order. */
  async forPages(q: Queryable, sourceId: string, from: number, to: number): Promise<PageTableView[]> {
    const { rows } = await q.query<TableRow>(
      'SELECT * FROM source_tables WHERE source_id = $1 AND page_no BETWEEN $2 AND $3 ORDER BY page_no, char_start',
      [sourceId, from, to],
    );
    return rows.map(view);
  }

  /** For each chunk cut from a table: its rows with the table's caption and header. Chunks of prose are absent. */
  async forChunks(q: Queryable, chunkIds: string[]): Promise<Map<string, ChunkTable>> {
    if (!chunkIds.length) return new Map();
    const { rows } = await q.query<TableRow & { chunk_id: string; row_start: number; row_end: number }>(
      `SELECT c.chunk_id, c.row_start, c.row_end, t.*
       FROM chunk_table_rows c JOIN source_tables t ON t.source_id = c.source_id AND t.ordinal = c.table_ordinal
       WHERE c.chunk_id = ANY($1::text[])`,
      [chunkIds],
    );
    return new Map(
      rows.map((r) => [
        r.chunk_id,
        { ...(r.caption ? { caption: r.caption } : {}), header: r.header, rows: r.rows.slice(r.row_start, r.row_end), rowStart: r.row_start, tableRows: r.rows.length },
      ]),
    );
  }

  /** The chunks cut from the same table as `chunkId` (itself included), in row order; empty for a prose chunk. */
  async siblingChunks(q: Queryable, chunkId: string): Promise<string[]> {
    const { rows } = await q.query<{ chunk_id: string }>(
      `SELECT s.chunk_id FROM chunk_table_rows c
       JOIN chunk_table_rows s ON s.source_id = c.source_id AND s.table_ordinal = c.table_ordinal
       WHERE c.chunk_id = $1 ORDER BY s.row_start`,
      [chunkId],
    );
    return rows.map((r) => r.chunk_id);
  }
}
