import { z } from 'zod';
import type { SourcesRepository } from '../../ingest/index.ts';
import type { SourceFlagsRepository } from './source-flags.repository.ts';
import { defineTool } from './tool.ts';

export const FetchSourcePageInput = z.object({
  sourceId: z.string().trim().min(1).max(100).describe('来源 id（见检索结果）/ source id from a search result'),
  page: z.number().int().min(1).max(100_000).describe('页码 / page number'),
});

/** At most this much of a page goes to the model (a dense guideline page is ~2,000 characters). */
const MAX_PAGE_CHARS = 4000;

/** The full text of one page of an indexed source, for reading around a passage; read-only. */
export function fetchSourcePageTool(sources: Pick<SourcesRepository, 'get' | 'page'>, flags: SourceFlagsRepository) {
  return defineTool({
    name: 'fetch_source_page',
    description: '读取某个来源某一页的全文（用于查看检索段落的上下文）。Read the full text of one page of a source.',
    input: FetchSourcePageInput,
    async run(input, ctx) {
      const source = await sources.get(input.sourceId);
      const hidden = source && ctx.scope && !(await ctx.scope.visible([source.id])).has(source.id);
      if (source?.status !== 'ready' || hidden) return { status: 'error', summary: `unknown source ${input.sourceId}` };
      const text = await sources.page(source.id, input.page);
      if (text === null) return { status: 'error', summary: `${source.title} has no page ${input.page} (pages: ${source.pageCount ?? '?'})` };
      const f = (await flags.flags([source.id])).get(source.id);
      const clipped = text.length > MAX_PAGE_CHARS ? `${text.slice(0, MAX_PAGE_CHARS)}…` : text;
      return {
        status: 'ok',
        summary: `${source.title} p.${input.page} (${text.length} chars)`,
        data: { sourceId: source.id, title: source.title, version: source.version, year: source.year, page: input.page },
        evidence: [{
          kind: 'chunk', chunkId: null, sourceId: source.id, title: source.title, version: source.version, year: source.year, page: input.page, text: clipped,
          superseded: f?.superseded ?? source.supersededBy !== null, retracted: f?.retracted ?? false,
        }],
      };
    },
  });
}
