import { z } from 'zod';

export const DISEASE_AREAS = ['stroke', 'lung_infection', 'placenta_accreta', 'acute_abdomen', 'lung_nodule', 'lung_cancer', 'other'] as const;
export const MODALITIES = ['CT', 'MR', 'DR', 'US', 'PET-CT'] as const;
export const CASE_STATUSES = ['draft', 'approved', 'retired'] as const;
export const CERTAINTIES = ['present', 'absent', 'possible'] as const;

const text = (max: number) => z.string().trim().max(max);

export const StructuredFindingSchema = z.object({
  /** Graph entity the finding names, when resolved. */
  entityId: z.string().max(200).nullish(),
  finding: text(200).min(1),
  location: text(200).nullish(),
  sizeMm: z.number().positive().max(2000).nullish(),
  certainty: z.enum(CERTAINTIES).default('present'),
}).strict();
export type StructuredFinding = z.infer<typeof StructuredFindingSchema>;

export const MeasurementSchema = z.object({
  lesion: text(200).min(1),
  longAxisMm: z.number().positive().max(2000).nullish(),
  shortAxisMm: z.number().positive().max(2000).nullish(),
  volumeMm3: z.number().positive().max(1e9).nullish(),
  solidComponentMm: z.number().min(0).max(2000).nullish(),
  meanHu: z.number().min(-1100).max(4000).nullish(),
}).strict();
export type Measurement = z.infer<typeof MeasurementSchema>;

export const StudySchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期须为 YYYY-MM-DD / date must be YYYY-MM-DD').refine((d) => !Number.isNaN(Date.parse(d)), '无效日期 / invalid date'),
  modality: z.string().max(20).optional(),
  measurements: z.array(MeasurementSchema).max(100).default([]),
  note: text(500).optional(),
}).strict();
export type Study = z.infer<typeof StudySchema>;

export const DiagnosisSchema = z.object({
  name: text(200).min(1),
  entityId: z.string().max(200).nullish(),
  icd10: z.string().trim().regex(/^[A-Z]\d{2}(\.\w{1,4})?$/, 'ICD-10 代码格式无效 / ICD-10 code like I63.9').nullish(),
}).strict();
export type Diagnosis = z.infer<typeof DiagnosisSchema>;

/** The shared case shape (demo/cases/typical-cases.json, evals/cases/cases.jsonl, API bodies). */
export const CaseInputSchema = z.object({
  id: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'id 只能含字母、数字、.、_、- / id: letters, digits, . _ -').optional(),
  title: text(300).min(1),
  diseaseArea: z.enum(DISEASE_AREAS).default('other'),
  modality: z.enum(MODALITIES),
  bodyPart: text(50).default(''),
  findingsText: text(20_000).min(1, '影像所见不能为空 / findingsText is empty'),
  impression: text(5000).nullish().transform((v) => v ?? ''),
  finalDiagnosis: DiagnosisSchema,
  acceptableDiagnoses: z.array(text(200).min(1)).max(20).default([]),
  structuredFindings: z.array(StructuredFindingSchema).max(200).optional(),
  fields: z.record(z.string(), z.union([z.string().max(200), z.number(), z.boolean(), z.null()])).default({}),
  teachingPoints: z.array(text(2000).min(1)).max(50).default([]),
  keyImages: z.array(z.object({ ref: text(500).min(1), caption: text(300).optional() }).strict()).max(50).default([]),
  studies: z.array(StudySchema).max(100).default([]),
  sourceRefs: z.array(z.object({ title: text(300).min(1), section: text(300).optional(), page: z.number().int().positive().optional() }).strict()).max(20).default([]),
  /** A patient identifier (timeline grouping): encrypted at rest, never returned in clear. */
  patientId: text(100).optional(),
  split: z.enum(['dev', 'heldout']).optional(),
  status: z.enum(['draft', 'approved']).optional(),
  note: text(500).optional(),
});
export type CaseInput = z.input<typeof CaseInputSchema>;
export type CaseInputParsed = z.infer<typeof CaseInputSchema>;

export const CaseSchema = z.object({
  id: z.string(),
  status: z.enum(CASE_STATUSES),
  version: z.number(),
  demo: z.boolean(),
  diseaseArea: z.string(),
  modality: z.string(),
  bodyPart: z.string(),
  title: z.string(),
  findingsText: z.string(),
  impression: z.string(),
  finalDiagnosis: DiagnosisSchema,
  acceptableDiagnoses: z.array(z.string()),
  structuredFindings: z.array(StructuredFindingSchema),
  fields: z.record(z.string(), z.unknown()),
  teachingPoints: z.array(z.string()),
  keyImages: z.array(z.object({ ref: z.string(), caption: z.string().optional() })),
  studies: z.array(StudySchema),
  sourceRefs: z.array(z.object({ title: z.string(), section: z.string().optional(), page: z.number().optional() })),
  hasPatientRef: z.boolean(),
  relationIds: z.array(z.string()),
  /** Supporting relations retired since approval: the case needs a curator's look. */
  retiredRelationIds: z.array(z.string()),
  /** Key images uploaded to the case (metadata stripped); bytes at /api/cases/:id/images/:imageId. */
  images: z.array(z.object({ id: z.string(), mime: z.string(), width: z.number(), height: z.number(), source: z.enum(['png', 'jpeg', 'dicom']), caption: z.string(), bytes: z.number() })),
  createdBy: z.string(),
  updatedAt: z.string(),
  approvedBy: z.string().nullable(),
});
export type Case = z.infer<typeof CaseSchema>;

export const CaseFilterSchema = z.object({
  status: z.enum(CASE_STATUSES).optional(),
  diseaseArea: z.enum(DISEASE_AREAS).optional(),
  modality: z.enum(MODALITIES).optional(),
  q: z.string().trim().max(100).optional(),
});
export type CaseFilter = z.infer<typeof CaseFilterSchema>;

/** A query: pasted findings text (or structured findings) with optional filters. */
export const MatchRequestSchema = z.object({
  findings: z.string().max(20_000).default(''),
  structuredFindings: z.array(StructuredFindingSchema).max(200).optional(),
  modality: z.enum(MODALITIES).optional(),
  bodyPart: z.string().trim().max(50).optional(),
  top: z.number().int().min(1).max(50).default(5),
  /** Include draft cases (curators comparing); default approved only. */
  includeDrafts: z.boolean().default(false),
  /**
   * Differential only: how much the most similar approved typical cases' vote weighs against the graph evidence,
   * 0 (graph alone) to 1 (cases alone); default DEFAULT_CASE_WEIGHT.
   */
  caseWeight: z.number().min(0).max(1).optional(),
}).strict();
export type MatchRequest = z.input<typeof MatchRequestSchema>;
