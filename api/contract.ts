import { z } from 'zod';
import { SearchResponseSchema } from '../search/index.ts';

/**
 * Wire schemas shared by the server (validation + OpenAPI), the CLI and the UI (types).
 * Changing a field here changes all three at once.
 */
export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), details: z.record(z.string(), z.unknown()).optional() }),
});

export const SourceSchema = z.object({
  id: z.string(),
  lineageKey: z.string(),
  versionNo: z.number().int(),
  contentHash: z.string(),
  kind: z.enum(['guideline', 'textbook', 'literature', 'case', 'other']),
  title: z.string(),
  publisher: z.string().nullable(),
  version: z.string().nullable(),
  year: z.number().int().nullable(),
  language: z.enum(['zh', 'en']),
  fileName: z.string(),
  mime: z.string(),
  byteSize: z.number(),
  demo: z.boolean(),
  paging: z.enum(['native', 'marked', 'virtual']),
  status: z.enum(['pending', 'ready', 'failed']),
  supersededBy: z.string().nullable(),
  pageCount: z.number().int().nullable(),
  chunkCount: z.number().int().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SourceDto = z.infer<typeof SourceSchema>;

export const JobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  dedupeKey: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  step: z.string().nullable(),
  progressDone: z.number().int(),
  progressTotal: z.number().int(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type JobDto = z.infer<typeof JobSchema>;

export const UploadResultSchema = z.object({
  status: z.enum(['queued', 'duplicate']),
  source: SourceSchema,
  job: JobSchema.nullable(),
});
export type UploadResultDto = z.infer<typeof UploadResultSchema>;

export const SourceListSchema = z.object({ items: z.array(SourceSchema), total: z.number().int() });

export const PageSchema = z.object({ page: z.number().int(), text: z.string() });

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
  llm: z.object({ provider: z.string(), note: z.string() }),
  corpus: z.object({ sources: z.number().int(), chunks: z.number().int() }),
  jobs: z.record(z.string(), z.number()),
});

export { SearchResponseSchema };
export type { SearchResponse, SearchHit } from '../search/index.ts';
