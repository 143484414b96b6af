import { z } from 'zod';

/**
 * The imaging-AI HTTP contract (imaging/ai/CONTRACT.md) as schemas: what YingZhi sends and what it accepts
 * back. Every answer of the service is parsed with these; anything else is IMAGING_AI_BAD_RESULT.
 */

export const AI_TASKS = ['segmentation', 'nodule_detection', 'interactive_segmentation'] as const;
export type AiTask = (typeof AI_TASKS)[number];

const Point3 = z.tuple([z.number(), z.number(), z.number()]);

export const AiPromptsSchema = z.object({
  /** Coordinate frame of every prompt: voxel indices (i, j, k) of the series, or patient mm (LPS). */
  frame: z.enum(['voxel', 'patient']).default('voxel'),
  boxes: z.array(z.object({ min: Point3, max: Point3 })).max(32).default([]),
  /** SAM-style points: label 1 = inside (foreground), 0 = outside (background). */
  points: z.array(z.object({ position: Point3, label: z.union([z.literal(0), z.literal(1)]) })).max(64).default([]),
});
export type AiPrompts = z.infer<typeof AiPromptsSchema>;

/** Body of POST /api/imaging/ai/jobs (and of the tool). */
export const AiRequestSchema = z
  .object({
    task: z.enum(AI_TASKS),
    studyUid: z.string().trim().min(1).max(128).regex(/^[0-9.]+$/, 'DICOM UID: digits and dots'),
    seriesUid: z.string().trim().max(128).regex(/^[0-9.]*$/, 'DICOM UID: digits and dots').optional(),
    connectorId: z.string().max(100).optional(),
    prompts: AiPromptsSchema.optional(),
    labels: z.array(z.string().max(100)).max(200).optional(),
  })
  .refine((r) => r.task !== 'interactive_segmentation' || (r.prompts && (r.prompts.boxes.length > 0 || r.prompts.points.length > 0)), {
    message: '交互式分割需要框或点提示 / interactive segmentation needs at least one box or point prompt',
    path: ['prompts'],
  });
export type AiRequest = z.infer<typeof AiRequestSchema>;

/** What YingZhi POSTs to {base}/v1/jobs. */
export interface AiJobRequestWire {
  task: AiTask;
  study: { studyInstanceUid: string; seriesInstanceUid?: string; dicomWeb?: { wadoUrl: string } };
  prompts?: AiPrompts;
  options?: { labels?: string[] };
}

export const AiSegmentSchema = z.object({
  label: z.string().min(1).max(200),
  labelValue: z.number().int().min(0).max(65535).optional(),
  volumeMl: z.number().nonnegative().optional(),
  probability: z.number().min(0).max(1).optional(),
  maskUrl: z.string().max(2000).optional(),
});

export const AiFindingSchema = z.object({
  id: z.string().max(100).optional(),
  type: z.string().min(1).max(100),
  label: z.string().min(1).max(200),
  location: z.string().max(200).optional(),
  segment: z.string().max(20).optional(),
  position: z.object({ x: z.number(), y: z.number(), z: z.number(), frame: z.enum(['patient', 'voxel']).default('patient') }).optional(),
  sizeMm: z.object({ long: z.number().nonnegative(), short: z.number().nonnegative().optional() }).optional(),
  volumeMm3: z.number().nonnegative().optional(),
  meanHu: z.number().optional(),
  probability: z.number().min(0).max(1),
});

export const AiResultSchema = z.object({
  model: z.object({ name: z.string().min(1).max(200), version: z.string().max(100) }),
  task: z.enum(AI_TASKS),
  studyInstanceUid: z.string(),
  seriesInstanceUid: z.string().optional(),
  segments: z.array(AiSegmentSchema).max(2000).default([]),
  findings: z.array(AiFindingSchema).max(2000).default([]),
});
export type AiResult = z.infer<typeof AiResultSchema>;

const DicomUid = z.string().trim().min(1).max(128).regex(/^[0-9.]+$/, 'DICOM UID: digits and dots');

/**
 * Body of POST /api/imaging/ai/results: a result document in the contract's format that the user already
 * has (exported by an AI workstation or a service without an HTTP endpoint). It is mapped like a
 * connector answer; the study it names is where it is filed.
 */
export const AiImportSchema = AiResultSchema.extend({ studyInstanceUid: DicomUid, seriesInstanceUid: DicomUid.optional() });

export const AiJobStatusSchema = z.object({
  jobId: z.string().min(1).max(200),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  progress: z.number().min(0).max(1).optional(),
  result: AiResultSchema.optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** A finding mapped to graph entities: what report drafting and the UI use. */
export const MappedFindingSchema = z.object({
  kind: z.enum(['organ', 'lesion']),
  label: z.string(),
  entity: z.object({ id: z.string(), type: z.string(), nameZh: z.string(), nameEn: z.string() }).nullable(),
  laterality: z.enum(['left', 'right']).nullable(),
  /** Lobe/organ the lesion lies in (for lesions with a location label). */
  location: z.object({ id: z.string(), nameZh: z.string(), nameEn: z.string() }).nullable(),
  /** Lung segment (S1…S10), vertebral level or rib number. */
  segment: z.object({ code: z.string(), nameZh: z.string().nullable(), nameEn: z.string().nullable() }).nullable(),
  sizeMm: z.object({ long: z.number(), short: z.number().optional() }).nullable(),
  volumeMm3: z.number().nullable(),
  meanHu: z.number().nullable(),
  probability: z.number().nullable(),
  position: z.object({ x: z.number(), y: z.number(), z: z.number(), frame: z.enum(['patient', 'voxel']) }).nullable(),
});
export type MappedFinding = z.infer<typeof MappedFindingSchema>;

export const AiResultRowSchema = z.object({
  id: z.string(),
  jobId: z.string().nullable(),
  connectorId: z.string().nullable(),
  task: z.enum(AI_TASKS),
  studyUid: z.string(),
  seriesUid: z.string().nullable(),
  status: z.enum(['queued', 'running', 'retrying', 'succeeded', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  model: z.string().nullable(),
  findings: z.array(MappedFindingSchema),
  unknownLabels: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AiResultRow = z.infer<typeof AiResultRowSchema>;
