import { z } from 'zod';

export const MAX_QUERY_CHARS = 1000;

export const SearchRequestSchema = z.object({
  q: z.string(),
  top: z.coerce.number().int().min(1).max(50).default(10),
  kind: z.array(z.enum(['guideline', 'textbook', 'literature', 'case', 'other'])).optional(),
  yearFrom: z.coerce.number().int().min(1900).max(2200).optional(),
  yearTo: z.coerce.number().int().min(1900).max(2200).optional(),
  language: z.enum(['zh', 'en']).optional(),
  includeSuperseded: z.boolean().default(false),
  mode: z.enum(['hybrid', 'bm25', 'vector']).default('hybrid'),
  /** Add `why` to each hit: the first-stage score and the rerank features (the retrieval test page). */
  explain: z.boolean().default(false),
  /** Collections (names or ids) to search within; none: every collection the caller may see. */
  collections: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
});
export type SearchRequest = z.input<typeof SearchRequestSchema>;

export const HighlightSchema = z.object({ start: z.number().int(), end: z.number().int() });

export const SearchHitSchema = z.object({
  chunkId: z.string(),
  sourceId: z.string(),
  title: z.string(),
  kind: z.string(),
  publisher: z.string().nullable(),
  version: z.string().nullable(),
  year: z.number().int().nullable(),
  superseded: z.boolean(),
  /** The source was retracted (PubMed retraction notice). */
  retracted: z.boolean(),
  evidenceLevel: z.string().nullable(),
  pageStart: z.number().int(),
  pageEnd: z.number().int(),
  headingPath: z.array(z.string()),
  text: z.string(),
  highlights: z.array(HighlightSchema),
  score: z.number(),
  bm25Rank: z.number().int().nullable(),
  vectorRank: z.number().int().nullable(),
  citation: z.string(),
  /** Why the passage ranks here (only when asked with `explain`): each value 0–1. */
  why: z
    .object({
      /** Fused BM25 + vector score before the rerank. */
      first: z.number(),
      /** Rerank features (hybrid mode); null when the rerank did not run. */
      features: z.object({ sentence: z.number(), intent: z.number(), coverage: z.number(), heading: z.number(), section: z.number(), proximity: z.number(), prior: z.number() }).nullable(),
      /** The model reranker's relevance, when one is configured. */
      model: z.number().nullable(),
    })
    .optional(),
});
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const SearchResponseSchema = z.object({
  query: z.string(),
  terms: z.array(z.object({ lexeme: z.string(), surface: z.string(), expandsTo: z.array(z.string()) })),
  mode: z.enum(['hybrid', 'bm25', 'vector']),
  embeddingModel: z.string(),
  tookMs: z.number(),
  results: z.array(SearchHitSchema),
});
export type SearchResponse = z.infer<typeof SearchResponseSchema>;
