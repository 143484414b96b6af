import { z } from 'zod';
import { FollowUpSchema } from './followup.ts';
import { RenderedValueSchema, ReportValuesSchema } from './values.schema.ts';

/** Body of POST /api/reports/drafts: one source (a stored measurement, an AI finding, or typed values). */
export const DraftRequestSchema = z
  .object({
    measurementId: z.string().regex(/^msr_[0-9a-f]{8,64}$/, '测量编号形如 msr_… / a measurement id looks like msr_…').optional(),
    lesion: z.string().max(40).optional(),
    aiResultId: z.string().min(1).max(100).optional(),
    findingIndex: z.number().int().min(0).max(1999).default(0),
    /** Typed values, or values that correct / complete a measurement or an AI finding (side, lobe, segment…). */
    values: ReportValuesSchema.partial().strict().optional(),
    templateId: z.string().regex(/^[a-z_]+$/).optional(),
    /** Rewrite into the department's style with the model when one is configured (the guard checks it). */
    rewrite: z.boolean().default(true),
    style: z.string().max(1000).optional(),
  })
  .strict()
  .refine((r) => [r.measurementId, r.aiResultId].filter(Boolean).length <= 1, { message: '只能给出一个来源：测量或 AI 结果 / give one source: a measurement or an AI result', path: ['aiResultId'] })
  .refine((r) => r.measurementId || r.aiResultId || r.values?.findingType, { message: '需要测量编号、AI 结果或含 findingType 的数值 / give a measurementId, an aiResultId or values with findingType', path: ['values'] });
export type DraftRequest = z.infer<typeof DraftRequestSchema>;

export const GuardIssueSchema = z.object({ kind: z.enum(['number', 'laterality', 'segment']), found: z.string(), message: z.string() });

export const DraftSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  /** Where the inputs came from. */
  source: z.object({
    kind: z.enum(['measurement', 'ai', 'typed']),
    measurementId: z.string().nullable(),
    lesion: z.string().nullable(),
    aiResultId: z.string().nullable(),
    findingIndex: z.number().int().nullable(),
  }),
  values: ReportValuesSchema,
  templateId: z.string(),
  templateVersion: z.string(),
  /** Which engine wrote `findings` / `impression`: the template engine, or the model (its rewrite passed the guard). */
  engine: z.enum(['template', 'llm', 'edited']),
  /** Why this engine (YZ_LLM=none, rewrite accepted, rejected with its reason, failed). */
  engineNote: z.string(),
  llm: z.object({
    status: z.enum(['not_configured', 'not_requested', 'accepted', 'rejected', 'failed']),
    model: z.string().nullable(),
    prompt: z.string().nullable(),
    reason: z.string().nullable(),
    issues: z.array(GuardIssueSchema),
    /** The rejected rewrite (shown beside the reason, never used). */
    candidate: z.object({ findings: z.string(), impression: z.string() }).nullable(),
  }),
  findings: z.string(),
  impression: z.string(),
  followUpText: z.string().nullable(),
  followUp: FollowUpSchema.nullable(),
  /** The template engine's text (what the guard compared a rewrite with). */
  templateText: z.string(),
  /** The draft's full plain text (影像所见 / 印象 / 建议). */
  text: z.string(),
  renderedValues: z.array(RenderedValueSchema),
  notes: z.array(z.string()),
  /** Opens the draft with its inputs and versions (UI); the API twin is /api/reports/drafts/:id. */
  provenanceUrl: z.string(),
  /** An edit by a radiologist: the draft it revises, and the guard's verdict on values not in the inputs (shown, not refused). */
  revision: z.object({ of: z.string(), guard: z.object({ ok: z.boolean(), issues: z.array(GuardIssueSchema) }) }).nullable().default(null),
});
export type Draft = z.infer<typeof DraftSchema>;

/** Body of POST /api/reports/drafts/:id/revisions. */
export const DraftRevisionSchema = z.object({ findings: z.string().trim().min(1).max(10_000), impression: z.string().trim().min(1).max(10_000) }).strict();
export type DraftRevision = z.infer<typeof DraftRevisionSchema>;

export const DraftSummarySchema = DraftSchema.pick({ id: true, createdAt: true, createdBy: true, templateId: true, engine: true, impression: true }).extend({ measurementId: z.string().nullable() });
export type DraftSummary = z.infer<typeof DraftSummarySchema>;
