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
  /** The table's number in its document (source_tables.ordinal). */
  ordinal: number;
  /** Index of the chunk's first row in its table, and the table's row count. */
  rowStart: number;
  tableRows: number;
}

/** A chunk cut from a table, with where it is and the rows it holds. */
export interface TableRowChunk {
  chunkId: string;
  sourceId: string;
  page: number;
  text: string;
  headingPath: string[];
  table: ChunkTable;
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
        { ...(r.caption ? { caption: r.caption } : {}), header: r.header, rows: r.rows.slice(r.row_start, r.row_end), ordinal: r.ordinal, rowStart: r.row_start, tableRows: r.rows.length },
      ]),
    );
  }

  /**
   * Every chunk cut from the same table as `chunkId` (itself included), in row order, with its text, page,
   * section headings and rows; empty for a prose chunk or an unknown id.
   */
  async rowChunks(q: Queryable, chunkId: string): Promise<TableRowChunk[]> {
    return this.rowChunksWhere(q, 'EXISTS (SELECT 1 FROM chunk_table_rows s WHERE s.chunk_id = $1 AND s.source_id = r.source_id AND s.table_ordinal = r.table_ordinal)', [chunkId]);
  }

  /** The row chunks of the table of a source whose caption starts with `label` (「表 10-1」 as a passage cites it). */
  async rowChunksByLabel(q: Queryable, sourceId: string, label: string): Promise<TableRowChunk[]> {
    const prefix = label.replace(/\s+/g, '');
    return this.rowChunksWhere(
      q,
      `r.source_id = $1 AND r.table_ordinal = (SELECT min(ordinal) FROM source_tables WHERE source_id = $1 AND replace(caption, ' ', '') LIKE $2 || '%'
         AND substr(replace(caption, ' ', ''), length($2) + 1, 1) !~ '[0-9]')`,
      [sourceId, prefix],
    );
  }

  private async rowChunksWhere(q: Queryable, where: string, params: unknown[]): Promise<TableRowChunk[]> {
    const { rows } = await q.query<TableRow & { chunk_id: string; row_start: number; row_end: number; page_start: number; text: string; heading_path: string[] }>(
      `SELECT r.chunk_id, r.row_start, r.row_end, c.page_start, c.text, c.heading_path, t.*
       FROM chunk_table_rows r
       JOIN chunks c ON c.id = r.chunk_id
       JOIN source_tables t ON t.source_id = r.source_id AND t.ordinal = r.table_ordinal
       WHERE ${where} ORDER BY r.row_start`,
      params,
    );
    return rows.map((r) => ({
      chunkId: r.chunk_id,
      sourceId: r.source_id,
      page: r.page_start,
      text: r.text,
      headingPath: r.heading_path,
      table: { ...(r.caption ? { caption: r.caption } : {}), header: r.header, rows: r.rows.slice(r.row_start, r.row_end), ordinal: r.ordinal, rowStart: r.row_start, tableRows: r.rows.length },
    }));
  }
}
