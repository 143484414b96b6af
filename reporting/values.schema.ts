import { z } from 'zod';
import { AppError } from '../core/index.ts';

/**
 * What a draft is written from: typed values, or the values read from a stored measurement or an imaging-AI
 * finding. Every number, side, lobe and segment a draft may contain is one of these (or derived from them by
 * a named formula, or quoted from a cited rule); the guard holds any rewritten text to that set.
 */

export const FINDING_TYPES = ['lung_nodule', 'liver_lesion', 'lesion_volume'] as const;
export type FindingType = (typeof FINDING_TYPES)[number];

export const NODE_TYPES = ['solid', 'part_solid', 'ground_glass'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

const mm = z.number().finite().positive().max(1000);

export const ReportValuesSchema = z.object({
  findingType: z.enum(FINDING_TYPES),
  nodeType: z.enum(NODE_TYPES).optional(),
  side: z.enum(['left', 'right']).optional(),
  /** Lung lobe. */
  lobe: z.enum(['upper', 'middle', 'lower']).optional(),
  /** Lung segment code (S1…S10, S1+2, S7+8) or liver Couinaud segment (S1…S8). */
  segment: z.string().trim().toUpperCase().regex(/^S(10|[1-9])(\+([1-9]))?$/, '肺段/肝段编码，如 S1、S1+2、S7 / segment code like S1, S1+2, S7').optional(),
  /** Organ or structure for volumes (肝脏, 脾脏, 右肺上叶…). */
  organ: z.string().trim().min(1).max(40).optional(),
  count: z.number().int().min(1).max(20).default(1),
  longMm: mm.optional(),
  shortMm: mm.optional(),
  volumeCm3: z.number().finite().positive().max(10_000).optional(),
  meanHu: z.number().finite().min(-1100).max(4000).optional(),
  solidMm: mm.optional(),
  sharePercent: z.number().finite().min(0).max(100).optional(),
  density: z.enum(['low', 'iso', 'high', 'mixed']).optional(),
  margin: z.enum(['clear', 'fairly_clear', 'ill_defined']).optional(),
  contour: z.enum(['regular', 'lobulated', 'spiculated', 'lobulated_spiculated', 'irregular']).optional(),
});
export type ReportValues = z.infer<typeof ReportValuesSchema>;
export type ReportValuesInput = z.input<typeof ReportValuesSchema>;

/** Where a value came from: a measurement quantity ref, an AI result, the user, a formula or a rule. */
export const ValueSourceSchema = z.object({
  kind: z.enum(['measurement', 'ai', 'typed', 'derived', 'rule']),
  /** `msr_…#L1/axial.long_axis`, `air_…#finding/0`, a formula, or a rule's citation. */
  ref: z.string(),
});
export type ValueSource = z.infer<typeof ValueSourceSchema>;

/** One value as written into the text. */
export const RenderedValueSchema = z.object({
  slot: z.string(),
  text: z.string(),
  value: z.number().nullable(),
  unit: z.string().nullable(),
  source: ValueSourceSchema,
});
export type RenderedValue = z.infer<typeof RenderedValueSchema>;

/** Values parsed, or VALIDATION_FAILED naming the first bad field (prefixed as the caller calls it: `values`, `--values`). */
export function parseReportValues(raw: unknown, prefix = 'values'): ReportValues {
  const parsed = ReportValuesSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const i = parsed.error.issues[0];
  const where = i.path.join('.');
  throw new AppError('VALIDATION_FAILED', `${prefix}${where ? `.${where}` : ''}: ${i.message}`, { field: String(i.path[0] ?? prefix) });
}
