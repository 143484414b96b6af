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
