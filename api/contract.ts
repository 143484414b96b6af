import { z } from 'zod';
import { ChunkTableSchema, PageTableSchema, SourceSchema } from '../ingest/index.ts';
import { SearchResponseSchema } from '../search/index.ts';
import { JobSchema } from '../store/index.ts';

export { JobSchema, SourceSchema };

/**
 * Wire schemas shared by the server (validation + OpenAPI), the CLI and the UI (types).
 * Changing a field here changes all three at once.
 */
export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), details: z.record(z.string(), z.unknown()).optional() }),
});

export type SourceDto = z.infer<typeof SourceSchema>;

export type JobDto = z.infer<typeof JobSchema>;

export const UploadResultSchema = z.object({
  status: z.enum(['queued', 'duplicate']),
  source: SourceSchema,
  job: JobSchema.nullable(),
});
export type UploadResultDto = z.infer<typeof UploadResultSchema>;

export const SourceListSchema = z.object({ items: z.array(SourceSchema), total: z.number().int() });

/** A page's text and the tables on it (each with the span of the text it occupies). */
export const PageSchema = z.object({ page: z.number().int(), text: z.string(), tables: z.array(PageTableSchema) });

export const ChunkViewSchema = z.object({
  chunk: z.object({
    id: z.string(),
    sourceId: z.string(),
    ordinal: z.number().int(),
    headingPath: z.array(z.string()),
    pageStart: z.number().int(),
    pageEnd: z.number().int(),
    charStart: z.number().int(),
    text: z.string(),
    citation: z.string(),
    /** The table rows the passage holds, with the table's header; null for prose. */
    table: ChunkTableSchema.nullable(),
  }),
  source: SourceSchema,
  pages: z.array(PageSchema),
});
export type ChunkViewDto = z.infer<typeof ChunkViewSchema>;

export const JobListSchema = z.object({ items: z.array(JobSchema), counts: z.record(z.string(), z.number()) });

export const HealthSchema = z.object({ status: z.literal('ok'), version: z.string() });
export const ReadySchema = z.object({
  status: z.enum(['ready', 'degraded']),
  database: z.object({ ok: z.boolean(), kind: z.string(), latencyMs: z.number() }),
  embedder: z.object({ model: z.string(), dims: z.number().int() }),
  llm: z.object({ provider: z.string(), model: z.string().nullable(), note: z.string() }),
  /** The graph store the projector writes to; a store that is down leaves events pending, search keeps working. */
  graph: z.object({ store: z.string(), pending: z.number().int(), lastError: z.string().nullable() }).nullable(),
  corpus: z.object({ sources: z.number().int(), chunks: z.number().int() }),
  jobs: z.record(z.string(), z.number()),
});

export type { SearchHit, SearchResponse } from '../search/index.ts';
export { SearchResponseSchema };
