import { z } from 'zod';
import { FigureRefSchema, LevelSchema, OptionSchema, QuestionTypeSchema } from './question.schemas.ts';

export const BlueprintCellSchema = z.object({
  /** Knowledge point: entity id (disease or any tagged entity). */
  tag: z.string().min(1).max(100),
  /** Difficulty level; any level when absent. */
  level: LevelSchema.optional(),
  count: z.number().int().min(1).max(100),
});
export type BlueprintCell = z.infer<typeof BlueprintCellSchema>;

export const ExamCreateSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    blueprint: z.array(BlueprintCellSchema).min(1).max(50),
    orderMode: z.enum(['fixed', 'random']).default('fixed'),
    timeLimitMinutes: z.number().int().min(1).max(600).default(30),
    maxAttempts: z.number().int().min(1).max(10).default(1),
    multipleScoring: z.enum(['all_or_nothing', 'partial']).default('all_or_nothing'),
  })
  .strict();
export type ExamCreate = z.input<typeof ExamCreateSchema>;

/** An item as pinned in an exam (the version used, whatever happens to the bank item later). */
export const ExamItemSchema = z.object({
  questionId: z.string(),
  version: z.number().int(),
  type: QuestionTypeSchema,
  stem: z.string(),
  options: z.array(OptionSchema),
  key: z.array(z.string()),
  tags: z.array(z.string()),
  level: LevelSchema,
  figure: FigureRefSchema.nullable().optional(),
});
export type ExamItem = z.infer<typeof ExamItemSchema>;

export const ExamSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['draft', 'published', 'closed']),
  blueprint: z.array(BlueprintCellSchema),
  items: z.array(ExamItemSchema),
  orderMode: z.enum(['fixed', 'random']),
  timeLimitMinutes: z.number(),
  maxAttempts: z.number().int(),
  multipleScoring: z.enum(['all_or_nothing', 'partial']),
  createdBy: z.string(),
  createdAt: z.string(),
  publishedAt: z.string().nullable(),
});
export type Exam = z.infer<typeof ExamSchema>;

/** What a resident sees of an exam before starting it (no items). */
export const ExamSummarySchema = ExamSchema.omit({ items: true, blueprint: true }).extend({ itemCount: z.number().int(), attemptsUsed: z.number().int() });

/** An attempt as its resident sees it: items without keys or explanations. */
export const AttemptViewSchema = z.object({
  id: z.string(),
  examId: z.string(),
  title: z.string(),
  seq: z.number().int(),
  startedAt: z.string(),
  deadline: z.string(),
  /** Seconds left by the server's clock (0 when time is up). */
  remainingSeconds: z.number().int(),
  submittedAt: z.string().nullable(),
  items: z.array(z.object({ questionId: z.string(), type: QuestionTypeSchema, stem: z.string(), options: z.array(z.object({ label: z.string(), text: z.string() })), figure: FigureRefSchema.nullable().optional() })),
  answers: z.record(z.string(), z.array(z.string())),
  score: z.number().nullable(),
  maxScore: z.number().nullable(),
});
export type AttemptView = z.infer<typeof AttemptViewSchema>;

export const AnswersSchema = z.record(z.string().max(100), z.array(z.string().regex(/^[A-H]$/)).max(8));
