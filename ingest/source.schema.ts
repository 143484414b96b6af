import { z } from 'zod';
import { SOURCE_KINDS } from './document.ts';
import { EvidenceLevelSchema } from './evidence-level.ts';

/** A source as stored and as served: one schema for the repository type, the API and the UI. */
export const SourceSchema = z.object({
  id: z.string(),
  lineageKey: z.string(),
  versionNo: z.number().int(),
  contentHash: z.string(),
  kind: z.enum(SOURCE_KINDS),
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
  evidenceLevel: EvidenceLevelSchema.nullable(),
  /** When the source was retracted (PubMed retraction notice); cited passages then carry a warning. */
  retractedAt: z.string().nullable(),
  retractionNote: z.string().nullable(),
  /** Who added it: a username, `cli:<os user>`, `watch:<id>`, `system`; null for sources stored before uploaders were recorded. */
  uploadedBy: z.string().nullable(),
  pageCount: z.number().int().nullable(),
  chunkCount: z.number().int().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Source = z.infer<typeof SourceSchema>;
