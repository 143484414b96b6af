import { z } from 'zod';

/** Options of a measurement request: one schema for the API fields, the CLI flags and the job payload. */
export const MeasureOptionsSchema = z.object({
  label: z.coerce.number().int().min(1).max(65535).optional(),
  referenceLabel: z.coerce.number().int().min(1).max(65535).optional(),
  threshold: z.coerce.number().min(0).max(1_000_000).optional(),
  components: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()).optional(),
  modality: z.enum(['CT', 'MR', 'PT', 'US', 'OT']).optional(),
  binWidth: z.coerce.number().positive().max(10_000).optional(),
  solidThresholdHu: z.coerce.number().min(-1000).max(1000).optional(),
  requireHu: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()).optional(),
});
export type MeasureRequestOptions = z.infer<typeof MeasureOptionsSchema>;

/** A measurement as listed (without the full result). */
export const MeasurementSummarySchema = z.object({
  id: z.string(),
  studyUid: z.string().nullable(),
  seriesUid: z.string().nullable(),
  imageKind: z.enum(['nifti', 'dicom']),
  modality: z.string(),
  label: z.number().int().nullable(),
  lesionCount: z.number().int(),
  imageKey: z.string(),
  maskKey: z.string(),
  sourceId: z.string().nullable(),
  jobId: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type MeasurementSummary = z.infer<typeof MeasurementSummarySchema>;
