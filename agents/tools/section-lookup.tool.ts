import { z } from 'zod';
import type { SectionChunk, SectionTerm, SourcesRepository } from '../../ingest/index.ts';
import type { SourceFlagsRepository } from './source-flags.repository.ts';
import type { TableRowsLookup } from './table-rows.tool.ts';
import { defineTool, type ToolEvidence } from './tool.ts';

export const SectionLookupInput = z.object({
  terms: z
    .array(z.object({ surfaces: z.array(z.string().trim().min(1).max(60)).min(1).max(12), weight: z.number().min(0).max(5).default(1) }))
    .min(1)
    .max(12)
    .describe('要在标题中查找的词（每个词可带同义词）/ words to find in section headings, each with synonyms'),
  sourceIds: z.array(z.string().trim().min(1).max(100)).min(1).max(10).describe('在哪些来源中查找（见检索结果）/ sources to look in'),
  limit: z.number().int().min(1).max(12).default(8),
});

/** Bound to the database (ingest/sections.repository.ts). */
export interface SectionLookup {
  lookup(sourceIds: string[], terms: SectionTerm[], opts?: { limit?: number }): Promise<SectionChunk[]>;
}

/** Passages of the sections whose headings name the question's words (「5 平扫CT早期缺血征象」), within given sources; read-only. */
export function sectionLookupTool(sections: SectionLookup, tables: Pick<TableRowsLookup, 'forChunks'>, sources: Pick<SourcesRepository, 'get'>, flags: SourceFlagsRepository) {
  return defineTool({
    name: 'section_lookup',
    description: '按章节标题查找段落：在指定来源中找出标题包含这些词的章节。Find the sections of given sources whose headings contain these words.',
    input: SectionLookupInput,
    async run(input, ctx) {
      const visible = ctx.scope ? await ctx.scope.visible(input.sourceIds) : new Set(input.sourceIds);
      const sourceIds = input.sourceIds.filter((id) => visible.has(id));
      const found = sourceIds.length ? await sections.lookup(sourceIds, input.terms, { limit: input.limit }) : [];
      if (!found.length) return { status: 'ok', summary: 'no section heading matches', data: { sections: [], matches: [] }, evidence: [] };
      const [f, rows] = await Promise.all([flags.flags(found.map((c) => c.sourceId)), tables.forChunks(found.map((c) => c.chunkId))]);
      const meta = new Map(await Promise.all([...new Set(found.map((c) => c.sourceId))].map(async (id) => [id, await sources.get(id)] as const)));
      const evidence: ToolEvidence[] = [];
      const matches: number[] = [];
      for (const c of found) {
        const s = meta.get(c.sourceId);
        if (!s) continue;
        matches.push(c.match);
        evidence.push({
          kind: 'chunk', chunkId: c.chunkId, sourceId: s.id, title: s.title, version: s.version, year: s.year, page: c.page, text: c.text,
          superseded: f.get(s.id)?.superseded ?? s.supersededBy !== null, retracted: f.get(s.id)?.retracted ?? false, headingPath: c.headingPath,
          ...(rows.has(c.chunkId) ? { table: rows.get(c.chunkId) } : {}),
        });
      }
      const headings = [...new Set(found.map((c) => c.headingPath.at(-1)))];
      return { status: 'ok', summary: `${evidence.length} passages under ${headings.slice(0, 3).join('; ')}`, data: { sections: headings, matches }, evidence };
    },
  });
}
