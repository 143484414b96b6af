import type { ChunkInput } from '../search/index.ts';
import type { TableData } from './document.ts';
import { rowText, tableLines } from './tables.ts';

/** Which rows of which table of the document a chunk holds. */
export interface TableRowsRef {
  /** Table number in the document (reading order), as stored in source_tables.ordinal. */
  table: number;
  rowStart: number;
  /** Exclusive. */
  rowEnd: number;
}

/** A table as stored with its page: where its text lies in the page text. */
export interface PageTable {
  ordinal: number;
  page: number;
  charStart: number;
  charEnd: number;
  table: TableData;
}

/**
 * A table's chunks: one per row, each carrying the caption and every cell after its column name
 * (see rowText), so a single row — 「＞8 mm … 3 个月复查 CT」 — is retrieved and read with its column
 * names. `blockStart` is where the table's text begins in the page text; each chunk's charStart points
 * at its row's line there.
 */
export function tableRowChunks(
  t: TableData,
  at: { page: number; blockStart: number; firstOrdinal: number; headingPath: string[]; tableOrdinal: number },
): Array<ChunkInput & { table: TableRowsRef }> {
  const lines = tableLines(t);
  const firstRowLine = lines.length - t.rows.length;
  const offsets: number[] = [];
  let offset = at.blockStart;
  for (const line of lines) {
    offsets.push(offset);
    offset += line.length + 1;
  }
  return t.rows.map((row, i) => ({
    ordinal: at.firstOrdinal + i,
    headingPath: at.headingPath,
    pageStart: at.page,
    pageEnd: at.page,
    charStart: offsets[firstRowLine + i],
    text: rowText(t, row),
    table: { table: at.tableOrdinal, rowStart: i, rowEnd: i + 1 },
  }));
}
