import { z } from 'zod';

/** A table with its column names and rows (cell texts), as the API and the UI carry it. */
export const TableSchema = z.object({
  caption: z.string().optional(),
  header: z.array(z.string()),
  rows: z.array(z.array(z.string())),
});

/** A table on a page: the span of the page text it occupies (the viewer draws the table there). */
export const PageTableSchema = TableSchema.extend({
  ordinal: z.number().int(),
  page: z.number().int(),
  charStart: z.number().int(),
  charEnd: z.number().int(),
});

/** The rows of a table a passage holds: `rows` are rows rowStart… of a table of `tableRows` rows. */
export const ChunkTableSchema = TableSchema.extend({
  /** The table's number in its document (matches PageTableSchema.ordinal). */
  ordinal: z.number().int(),
  rowStart: z.number().int(),
  tableRows: z.number().int(),
});
