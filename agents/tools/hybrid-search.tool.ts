import { z } from 'zod';
import { detectLanguage, ENTITY_PREFIX, UNRESTRICTED } from '../../core/index.ts';
import type { SearchHit, SearchService } from '../../search/index.ts';
import type { SourceFlagsRepository } from './source-flags.repository.ts';
import type { TableRowsLookup } from './table-rows.tool.ts';
import { defineTool, type ToolEvidence } from './tool.ts';

export const HybridSearchInput = z.object({
  query: z.string().trim().min(1).max(500).describe('检索词或问题 / search words or the question'),
  top: z.number().int().min(1).max(10).default(6).describe('passages to return (1–10)'),
});

export interface SearchPassage {
  chunkId: string;
  citation: string;
  /** Share of the query's terms (synonyms counted) found in the passage: 0–1. */
  coverage: number;
  /** Ranked by BM25 (the passage contains query words), not only by vector similarity. */
  lexical: boolean;
  /** Contains every lexicon entity the query names (cross-language questions match on these only). */
  entities: boolean;
  /** Language of the passage's text. */
  language: 'zh' | 'en';
}

/** Hybrid search (BM25 + vector, RRF) over indexed sources; read-only. Passages cut from tables carry their rows and header. */
export function hybridSearchTool(search: SearchService, flags: SourceFlagsRepository, tables: Pick<TableRowsLookup, 'forChunks'>) {
  return defineTool({
    name: 'hybrid_search',
    description: '在知识库（指南、教材、文献）中检索段落，返回带出处（标题、版本、年份、页码）的原文。Search the knowledge base for cited passages.',
    input: HybridSearchInput,
    async run(input, ctx) {
      const res = await search.searchIn(ctx.scope ?? UNRESTRICTED, { q: input.query, top: input.top });
      const [f, rows] = await Promise.all([flags.flags(res.results.map((h) => h.sourceId)), tables.forChunks(res.results.map((h) => h.chunkId))]);
      const passages: SearchPassage[] = res.results.map((h) => ({
        chunkId: h.chunkId, citation: h.citation, coverage: coverage(h, res.terms), lexical: h.bm25Rank !== null,
        entities: coversEntities(h, res.terms), language: detectLanguage(h.text),
      }));
      const evidence: ToolEvidence[] = res.results.map((h) => ({
        kind: 'chunk',
        chunkId: h.chunkId,
        sourceId: h.sourceId,
        title: h.title,
        version: h.version,
        year: h.year,
        page: h.pageStart,
        text: h.text,
        superseded: h.superseded || (f.get(h.sourceId)?.superseded ?? false),
        retracted: f.get(h.sourceId)?.retracted ?? false,
        headingPath: h.headingPath,
        ...(rows.has(h.chunkId) ? { table: rows.get(h.chunkId) } : {}),
      }));
      const terms = res.terms.map((t) => ({ lexeme: t.lexeme, surface: t.surface, expandsTo: t.expandsTo, weight: termWeight(t) }));
      return { status: 'ok', summary: `${passages.length} passages for "${input.query}"`, data: { passages, terms }, evidence };
    },
  });
}

/** Question words a Chinese stop list does not cover; they say nothing about the topic. */
const EN_QUESTION_WORDS = new Set(['what', 'which', 'how', 'why', 'when', 'where', 'who', 'does', 'do', 'should', 'can', 'could', 'would', 'will', 'there']);

/**
 * How much a term says about the topic: a lexicon entity most, a single Chinese character or a two-letter
 * word little ("做", "up"), an English question word nothing.
 */
export function termWeight(t: { lexeme: string; surface: string }): number {
  if (t.lexeme.startsWith(ENTITY_PREFIX)) return 2;
  if (EN_QUESTION_WORDS.has(t.lexeme)) return 0;
  if ([...t.surface].length === 1 || /^[a-z0-9]{1,2}$/i.test(t.surface)) return 0.25;
  return 1;
}

type Term = { lexeme: string; surface: string; expandsTo: string[] };

const found = (text: string, t: Term) => [t.surface, ...t.expandsTo].some((s) => s && text.includes(s.toLowerCase()));

/**
 * What a passage says, read in its place: the document title and the headings above it, then its text. Search
 * indexes the title as a weak field, so a passage of 「非小细胞肺癌…指南」 that defines T2 without naming the disease
 * answers 「非小细胞肺癌 T2 分期」, and its coverage must say so.
 */
function inPlace(hit: Pick<SearchHit, 'text' | 'title' | 'headingPath'>): string {
  return `${hit.title}\n${hit.headingPath.join('\n')}\n${hit.text}`.toLowerCase();
}

/** Weighted share of query terms whose surface (or a synonym's) occurs in the passage, its headings or its document's title. */
export function coverage(hit: Pick<SearchHit, 'text' | 'title' | 'headingPath'>, terms: Term[]): number {
  const total = terms.reduce((n, t) => n + termWeight(t), 0);
  if (!total) return 0;
  const text = inPlace(hit);
  return terms.filter((t) => found(text, t)).reduce((n, t) => n + termWeight(t), 0) / total;
}

/** The query names at least one lexicon entity and the passage (in its place) names every one (by any of its names). */
export function coversEntities(hit: Pick<SearchHit, 'text' | 'title' | 'headingPath'>, terms: Term[]): boolean {
  const entities = terms.filter((t) => t.lexeme.startsWith(ENTITY_PREFIX));
  const text = inPlace(hit);
  return entities.length > 0 && entities.every((t) => found(text, t));
}
