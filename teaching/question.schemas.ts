import { z } from 'zod';

export const QUESTION_TYPES = ['single', 'multiple'] as const;
export const QuestionTypeSchema = z.enum(QUESTION_TYPES);
export type QuestionType = z.infer<typeof QuestionTypeSchema>;

export const QUESTION_STATUSES = ['draft', 'approved', 'retired'] as const;
export const QuestionStatusSchema = z.enum(QUESTION_STATUSES);

export const LEVELS = ['easy', 'medium', 'hard'] as const;
export const LevelSchema = z.enum(LEVELS);
export type Level = z.infer<typeof LevelSchema>;

export const EngineNameSchema = z.enum(['templates', 'llm']);
export type EngineName = z.infer<typeof EngineNameSchema>;

export const OptionSchema = z.object({
  label: z.string().regex(/^[A-H]$/),
  text: z.string().trim().min(1).max(200),
  /** The graph entity the option names, when known (never shown to residents). */
  entityId: z.string().nullable().default(null),
});
export type QuestionOption = z.infer<typeof OptionSchema>;

export const PassageSchema = z.object({
  sourceId: z.string(),
  title: z.string(),
  version: z.string().nullable(),
  year: z.number().nullable(),
  page: z.number().nullable(),
  quote: z.string(),
});
export type Passage = z.infer<typeof PassageSchema>;

/** The guideline table cell a table-driven item asks (the table as cited, so checks re-read the key from it). */
export const TableCitationSchema = z.object({
  sourceId: z.string(),
  /** The table's number in its document (source_tables.ordinal). */
  ordinal: z.number().int(),
  caption: z.string().nullable(),
  header: z.array(z.string()),
  rows: z.array(z.array(z.string())),
  /** The row and column of the keyed cell. */
  row: z.number().int().min(0),
  column: z.number().int().min(0),
});
export type TableCitation = z.infer<typeof TableCitationSchema>;

export const CitationsSchema = z.object({
  /** Approved relation ids the item was built on. */
  relationIds: z.array(z.string()),
  passages: z.array(PassageSchema),
  /** Table cells a table-driven item was built on (empty for graph items). */
  tables: z.array(TableCitationSchema).optional(),
});

/** A figure an image-reading item (读片题) shows, with an optional circle marking the region asked about. */
export const FigureRefSchema = z.object({
  figureId: z.string().min(1).max(100),
  /** Centre and radius as fractions of the figure's width and height (r of the width). */
  region: z.object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1), r: z.number().min(0.005).max(0.5) }).nullable().default(null),
});
export type FigureRef = z.infer<typeof FigureRefSchema>;

/** What the keyed answer asserts about the subject, so checks can re-test every option against the graph. */
export const ClaimSchema = z.object({
  subjectId: z.string(),
  predicate: z.string(),
  /** `is`: keyed options hold for the subject; `not`: the keyed option is the one that does not. */
  polarity: z.enum(['is', 'not']),
  /** `forward`: options are objects of (subject, predicate, ·); `reverse`: options are subjects of (·, predicate, subject). */
  direction: z.enum(['forward', 'reverse']).default('forward'),
});
export type Claim = z.infer<typeof ClaimSchema>;

/** An item as an engine drafts it (before it is stored in the bank). */
export const QuestionDraftSchema = z.object({
  type: QuestionTypeSchema,
  template: z.string(),
  engine: z.enum(['templates', 'llm', 'manual']),
  stem: z.string().trim().min(4).max(500),
  options: z.array(OptionSchema).min(2).max(8),
  key: z.array(z.string().regex(/^[A-H]$/)).min(1),
  explanation: z.string().max(4000),
  citations: CitationsSchema,
  claim: ClaimSchema.nullable(),
  /** The entity (usually a disease) the item is about. */
  diseaseId: z.string().nullable(),
  /** Knowledge points: entity ids. */
  tags: z.array(z.string()),
  difficulty: z.number().min(0).max(1),
  level: LevelSchema,
  /** Same template, claim and keyed entities: the same question however its distractors vary. */
  factKey: z.string().nullable(),
  /** The figure of an image-reading item, or none. */
  figure: FigureRefSchema.nullable().optional(),
});
export type QuestionDraft = z.infer<typeof QuestionDraftSchema>;

export const QuestionSchema = QuestionDraftSchema.extend({
  id: z.string(),
  version: z.number().int(),
  status: QuestionStatusSchema,
  createdBy: z.string(),
  createdAt: z.string(),
  updatedBy: z.string(),
  updatedAt: z.string(),
  /** Why the item needs a look: a relation it was built on was retired, a cited source superseded or retracted. */
  flags: z.array(z.string()),
});
export type Question = z.infer<typeof QuestionSchema>;

/** What a teacher may change in an item (a new version; the checks run again). */
export const QuestionEditSchema = z
  .object({
    stem: z.string().trim().min(4).max(500),
    options: z.array(z.object({ label: z.string().regex(/^[A-H]$/), text: z.string().trim().min(1).max(200) })).min(2).max(8),
    key: z.array(z.string().regex(/^[A-H]$/)).min(1),
    explanation: z.string().max(4000),
    tags: z.array(z.string().max(100)).max(20),
    level: LevelSchema,
  })
  .strict();
export type QuestionEdit = z.infer<typeof QuestionEditSchema>;

export const GenerateRequestSchema = z
  .object({
    /** Entity id or its Chinese/English name or alias. */
    entity: z.string().trim().min(1).max(100),
    count: z.number().int().min(1).max(100).default(5),
    type: QuestionTypeSchema.optional(),
    engine: EngineNameSchema.default('templates'),
    /** Return as many as can be made instead of failing when fewer than `count` pass the checks. */
    allowFewer: z.boolean().default(false),
  })
  .strict();
export type GenerateRequest = z.input<typeof GenerateRequestSchema>;

/** Why a candidate item was rejected by the automatic checks. */
export const RejectionSchema = z.object({ stem: z.string(), code: z.string(), message: z.string() });
export type Rejection = z.infer<typeof RejectionSchema>;
