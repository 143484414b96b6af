import { z } from 'zod';

const Range = z.object({ min: z.number().optional(), max: z.number().optional() });

/** One protocol rule as authored in protocol-rules.json: a numeric range with pass/warn bands, or patterns. */
export const ProtocolRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9_]+$/),
  field: z.enum(['kvp', 'ctdiVol', 'exposure', 'tubeCurrent', 'sliceThickness', 'kernel', 'coverageMm', 'pitch', 'contrastAgent', 'contrastDelaySeconds', 'fieldStrength', 'matrix', 'repetitionTime', 'echoTime']),
  label: z.string(),
  unit: z.string().optional(),
  pass: Range.optional(),
  warn: Range.optional(),
  /** Text fields: case-insensitive regular expressions; a match passes, otherwise `else`. */
  patterns: z.array(z.string()).optional(),
  else: z.enum(['warn', 'fail']).optional(),
  /** Not recorded in the header: skipped instead of warned. */
  optional: z.boolean().optional(),
});
export type ProtocolRule = z.infer<typeof ProtocolRuleSchema>;

export const ExamTypeSchema = z.object({
  id: z.string().regex(/^[a-z0-9_]+$/),
  name: z.string(),
  match: z.object({ modality: z.enum(['CT', 'MR']), keywords: z.array(z.string()).min(1), contrast: z.boolean().optional() }),
  rules: z.array(ProtocolRuleSchema).min(1),
  imageQuality: z.object({
    /** CT: highest soft-tissue noise SD (HU) for pass / warn. */
    noiseSd: z.object({ pass: z.number(), warn: z.number() }).optional(),
    /** MR: lowest SNR for pass / warn. */
    snr: z.object({ pass: z.number(), warn: z.number() }).optional(),
  }),
});
export type ExamType = z.infer<typeof ExamTypeSchema>;

export const ProtocolRulesSchema = z.object({
  version: z.string(),
  source: z.string(),
  score: z.object({ failPenalty: z.number(), warnPenalty: z.number(), flagPenalty: z.number(), failBelow: z.number(), warnBelow: z.number() }),
  examTypes: z.array(ExamTypeSchema).min(1),
});
export type ProtocolRules = z.infer<typeof ProtocolRulesSchema>;

export const QcStatusSchema = z.enum(['pass', 'warn', 'fail']);
export type QcStatus = z.infer<typeof QcStatusSchema>;

export const RuleResultSchema = z.object({
  id: z.string(),
  label: z.string(),
  status: QcStatusSchema.or(z.literal('skipped')),
  value: z.union([z.number(), z.string()]).nullable(),
  unit: z.string().nullable(),
  expected: z.string(),
  message: z.string(),
});
export type RuleResult = z.infer<typeof RuleResultSchema>;

export const ImageQualitySchema = z.object({
  /** CT: noise SD (HU) by tissue class, mode of the local-SD map; null where the class is absent. */
  noiseSd: z.object({ softTissue: z.number().nullable(), fat: z.number().nullable(), air: z.number().nullable() }),
  /** MR: SNR (Rayleigh-corrected background SD); CT: soft-tissue mean over noise. */
  snr: z.number().nullable(),
  /** CT: |soft tissue − fat| / noise; MR: between the two main tissue classes. */
  cnr: z.number().nullable(),
  truncation: z.object({ flagged: z.boolean(), borderFraction: z.number(), slices: z.number().int() }),
  motion: z.object({ flagged: z.boolean(), detail: z.string() }),
  checks: z.array(RuleResultSchema),
});

export const QcResultSchema = z.object({
  seriesUid: z.string(),
  studyUid: z.string().nullable(),
  modality: z.string(),
  examType: z.object({ id: z.string(), name: z.string() }).nullable(),
  protocolName: z.string().nullable(),
  seriesDescription: z.string().nullable(),
  scanner: z.string(),
  acquiredAt: z.string().nullable(),
  facts: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  rules: z.array(RuleResultSchema),
  imageQuality: ImageQualitySchema,
  score: z.number(),
  status: QcStatusSchema,
  rulesVersion: z.string(),
  warnings: z.array(z.string()),
});
export type QcResult = z.infer<typeof QcResultSchema>;

export const QcRunSchema = QcResultSchema.extend({ id: z.string(), createdBy: z.string(), createdAt: z.string() });
export type QcRun = z.infer<typeof QcRunSchema>;

export const DashboardSchema = z.object({
  groupBy: z.enum(['scanner', 'protocol']),
  days: z.number().int(),
  series: z.array(
    z.object({
      key: z.string(),
      points: z.array(z.object({ week: z.string(), runs: z.number().int(), meanScore: z.number(), pass: z.number().int(), warn: z.number().int(), fail: z.number().int() })),
    }),
  ),
  totals: z.object({ runs: z.number().int(), pass: z.number().int(), warn: z.number().int(), fail: z.number().int() }),
});
export type Dashboard = z.infer<typeof DashboardSchema>;
