import { z } from 'zod';
import type { ChunkTable, SourcesRepository, TableRowChunk } from '../../ingest/index.ts';
import type { SourceFlagsRepository } from './source-flags.repository.ts';
import { defineTool, type ToolEvidence } from './tool.ts';

export const TableRowsInput = z
  .object({
    chunkId: z.string().trim().min(1).max(200).optional().describe('表格行段落的 id（见检索结果）/ id of a passage cut from a table'),
    sourceId: z.string().trim().min(1).max(100).optional().describe('来源 id / source id (with `table`)'),
    table: z.string().trim().min(2).max(40).optional().describe('表格编号，如「表 10-1」/ the table as a passage cites it, e.g. 表 10-1'),
  })
  .refine((x) => !!x.chunkId || (!!x.sourceId && !!x.table), { message: 'give chunkId, or sourceId and table' });

/** The table rows of the knowledge base (ingest/tables.repository.ts, bound to the database). */
export interface TableRowsLookup {
  /** Table rows of the given chunks; prose chunks are absent. */
  forChunks(chunkIds: string[]): Promise<Map<string, ChunkTable>>;
  /** Every row chunk of the table `chunkId` belongs to, in row order; empty for prose. */
  rowChunks(chunkId: string): Promise<TableRowChunk[]>;
  /** Every row chunk of the table of a source labelled `label` (「表 10-1」); empty when there is none. */
  rowChunksByLabel(sourceId: string, label: string): Promise<TableRowChunk[]>;
}

/** At most this many rows are returned (a long table is read in the rows the search found). */
const MAX_ROWS = 30;

/**
 * All rows of a table, each with the header, as citable passages: the table a passage was cut from, or the
 * table a passage refers to (「见表 10-1」). Read-only.
 */
export function tableRowsTool(tables: TableRowsLookup, sources: Pick<SourcesRepository, 'get'>, flags: SourceFlagsRepository) {
  return defineTool({
    name: 'table_rows',
    description: '读取整张表格（含表头）：某个表格行段落所在的表格，或某来源中被引用的表格（如「表 10-1」）。Read a whole table: the one a passage was cut from, or one a passage cites.',
    input: TableRowsInput,
    async run(input, ctx) {
      const found = input.chunkId ? await tables.rowChunks(input.chunkId) : await tables.rowChunksByLabel(input.sourceId ?? '', input.table ?? '');
      const rows = found.slice(0, MAX_ROWS);
      if (!rows.length) return { status: 'error', summary: input.chunkId ? `${input.chunkId} is not a table row` : `no ${input.table} in ${input.sourceId}` };
      const source = await sources.get(rows[0].sourceId);
      const hidden = source && ctx.scope && !(await ctx.scope.visible([source.id])).has(source.id);
      if (source?.status !== 'ready' || hidden) return { status: 'error', summary: `unknown source ${rows[0].sourceId}` };
      const f = (await flags.flags([source.id])).get(source.id);
      const evidence: ToolEvidence[] = rows.map((r) => ({
        kind: 'chunk', chunkId: r.chunkId, sourceId: source.id, title: source.title, version: source.version, year: source.year, page: r.page, text: r.text,
        superseded: f?.superseded ?? source.supersededBy !== null, retracted: f?.retracted ?? false, headingPath: r.headingPath, table: r.table,
      }));
      const caption = rows[0].table.caption ?? rows[0].table.header.join(' | ');
      return { status: 'ok', summary: `${rows.length} rows of ${caption}`, data: { caption, rows: rows.length }, evidence };
    },
  });
}
