/**
 * Teaching capability (issue 15): a question bank drafted from the approved graph and guideline passages
 * (engine `templates`, deterministic and the default; engine `llm` through the product's model stack),
 * automatic item checks, teacher review with versions, exams assembled from a blueprint, attempts with a
 * server-enforced time limit, scoring, results and classical item analysis.
 *
 * Storage: store/migrations/045_question_bank.sql, 046_exams.sql.
 */
export { checkItem, DuplicateIndex, ITEM_NEAR_DUPLICATE, OPTION_NEAR_DUPLICATE } from './checks.ts';
export { estimateDifficulty, levelOf } from './difficulty.ts';
export type { DraftRequest, DraftResult, QuestionEngine } from './engine.ts';
export { type Fact, type FactEntity, FactGraph } from './fact-graph.ts';
export { type GenerateOutcome, generateItems } from './generator.ts';
export { type PassageRetriever, LlmEngine } from './llm.engine.ts';
export { type EntityCount, type QuestionFilter, QuestionFilterSchema } from './bank.repository.ts';
export { type GenerateResult, QuestionBank } from './bank.service.ts';
export { type ExamResults, type Examinee, ExamsService } from './exams.service.ts';
export { analyseItems, creditFor, DISCRIMINATION_FLAG, type ItemStats, pointBiserial, type ScoredAttempt } from './item-analysis.ts';
export {
  AnswersSchema, AttemptViewSchema, type AttemptView, BlueprintCellSchema, type Exam, type ExamCreate, ExamCreateSchema, ExamItemSchema, ExamSchema, ExamSummarySchema,
} from './exam.schemas.ts';
export {
  type FigureRef, FigureRefSchema, type GenerateRequest, GenerateRequestSchema, LEVELS, type Question, type QuestionDraft, QuestionDraftSchema, type QuestionEdit, QuestionEditSchema, QuestionSchema,
  QUESTION_STATUSES, QUESTION_TYPES, type Rejection, RejectionSchema,
} from './question.schemas.ts';
export { Teaching, type TeachingDeps } from './teaching.ts';
export { EXPORT_FORMATS, EXPORT_TYPES, type ExportFormat, IMPORT_FORMATS, type ImportFormat, type ImportReport, TransferService } from './transfer.service.ts';
export {
  type ExportFigure, type ExportProblem, type ExportRow, exportDocxPaper, exportMoodleXml, exportQtiPackage, exportXlsx, type ItemRow, parseMoodleXml, parseXlsx, qtiItem, type RowError,
  validateMoodleXml, validateQtiItem, validateQtiPackage,
} from './transfer/index.ts';
export { TEMPLATE_VERSION, TemplateEngine } from './templates.engine.ts';
export { type GuidelineTable, numbersIn, partOf, TABLE_TEMPLATE, tableItems, tableQuote } from './table-items.ts';
export { FIGURE_LIMITS, type Figure, readFigure, type WindowLevel } from '../imaging/index.ts';
export type { FigureMeta } from './figures.repository.ts';
