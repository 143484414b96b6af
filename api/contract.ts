import { z } from 'zod';
import { ChunkTableSchema, EvidenceLevelSchema, PageTableSchema, SOURCE_KINDS, SourceSchema } from '../ingest/index.ts';
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

export const SourceListSchema = z.object({
  items: z.array(SourceSchema.extend({ collections: z.array(z.object({ id: z.string(), name: z.string() })).optional() })), total: z.number().int(), byKind: z.record(z.string(), z.number().int()) });

/** Metadata a manager may change after upload; `null` clears an optional field. At least one field. */
export const SourcePatchSchema = z
  .object({
    kind: z.enum(SOURCE_KINDS).optional(),
    title: z.string().trim().min(1).max(500).optional(),
    publisher: z.string().trim().max(300).nullable().optional(),
    version: z.string().trim().max(100).nullable().optional(),
    year: z.number().int().min(1900).max(2200).nullable().optional(),
    language: z.enum(['zh', 'en']).optional(),
    evidenceLevel: EvidenceLevelSchema.nullable().optional(),
  })
  .strict()
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'nothing to change' });
export type SourcePatchDto = z.infer<typeof SourcePatchSchema>;

const RelationBriefSchema = z.object({ id: z.string(), subject: z.string(), predicate: z.string(), object: z.string() });
export const DeletionPlanSchema = z.object({
  source: SourceSchema,
  pages: z.number().int(),
  passages: z.number().int(),
  disabledPassages: z.number().int(),
  embeddings: z.number().int(),
  termEvidence: z.number().int(),
  candidates: z.object({ pending: z.number().int(), approved: z.number().int(), rejected: z.number().int() }),
  relationsRetired: z.array(RelationBriefSchema),
  relationsKept: z.number().int(),
  restores: z.object({ id: z.string(), title: z.string(), versionNo: z.number().int() }).nullable(),
  jobsCancelled: z.number().int(),
});
export type DeletionPlanDto = z.infer<typeof DeletionPlanSchema>;

/** A passage's place in its document and its text (the passage list and the passage view share it). */
const PassagePlaceSchema = z.object({
  id: z.string(),
  ordinal: z.number().int(),
  headingPath: z.array(z.string()),
  pageStart: z.number().int(),
  pageEnd: z.number().int(),
  charStart: z.number().int(),
  text: z.string(),
});

export const PassageSchema = PassagePlaceSchema.extend({
  disabledAt: z.string().nullable(),
  disabledBy: z.string().nullable(),
  disabledReason: z.string().nullable(),
});
export type PassageDto = z.infer<typeof PassageSchema>;

/** A page's text and the tables on it (each with the span of the text it occupies). */
export const PageSchema = z.object({ page: z.number().int(), text: z.string(), tables: z.array(PageTableSchema) });

export const ChunkViewSchema = z.object({
  chunk: PassagePlaceSchema.extend({
    sourceId: z.string(),
    citation: z.string(),
    /** Taken out of search and chat by a manager (who, when, why); null when searchable. */
    disabled: z.object({ at: z.string(), by: z.string(), reason: z.string() }).nullable(),
    /** The table rows the passage holds, with the table's header; null for prose. */
    table: ChunkTableSchema.nullable(),
  }),
  source: SourceSchema,
  pages: z.array(PageSchema),
});
export type ChunkViewDto = z.infer<typeof ChunkViewSchema>;

export const JobListSchema = z.object({ items: z.array(JobSchema), total: z.number().int(), counts: z.record(z.string(), z.number()) });

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
