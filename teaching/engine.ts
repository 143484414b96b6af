import type { FactEntity, FactGraph } from './fact-graph.ts';
import type { GuidelineTable } from './table-items.ts';
import type { EngineName, QuestionDraft, QuestionType, Rejection } from './question.schemas.ts';

export interface DraftRequest {
  subject: FactEntity;
  graph: FactGraph;
  /** How many items the caller wants (engines may propose more; the generator selects). */
  count: number;
  type?: QuestionType;
  /** Guideline tables about the subject (table-driven numeric items). */
  tables?: readonly GuidelineTable[];
  signal?: AbortSignal;
}

export interface DraftResult {
  /** Candidate items, not yet checked. */
  items: QuestionDraft[];
  /** Candidates the engine itself discarded, and why (e.g. a model answer not among its options). */
  rejected: Rejection[];
  /** What the engine could not use, in words for the teacher (e.g. "2 facts have too few distractors"). */
  notes: string[];
}

/**
 * A question-writing engine. `templates` (deterministic, from approved relations, the default) and `llm`
 * (a local model grounded on the same relations and retrieved passages). Every candidate then goes
 * through the same checks (checks.ts), whichever engine wrote it.
 */
export interface QuestionEngine {
  readonly name: EngineName;
  /** Engine and version recorded with what it writes (template set version, or model + prompt version). */
  readonly version: string;
  draft(req: DraftRequest): Promise<DraftResult>;
}
