/**
 * Knowledge capability: candidate triples from extractors, expert review, entity resolution and
 * merges, the reviewed relations (system of record) and their projection into graph stores.
 */
export { Knowledge, type KnowledgeDeps } from './knowledge.ts';
export {
  ExtractedTripleSchema, QualifiersSchema, MentionSchema, CertaintySchema, PredicateSchema, PREDICATES,
  type ExtractedTriple, type Extractor, type ChunkForExtraction, type ExtractionResult, type Mention, type Predicate, type Certainty,
} from './model.ts';
export { PREDICATE_TYPES, PREDICATE_LABELS, typesFit } from './predicates.ts';
export { EntitySchema, ENTITY_TYPES, type Entity, toGraphEntity } from './entities.repository.ts';
export { CandidateSchema, CandidateFilterSchema, CandidateStatusSchema, type Candidate, type CandidateFilter } from './candidates.repository.ts';
export { RelationSchema, RelationFilterSchema, HistoryEntrySchema, EvidenceSchema, type Relation, type HistoryEntry } from './relations.repository.ts';
export { ApprovalEditSchema, type ApprovalEdit, type BulkResult } from './review.service.ts';
export { MergeSchema, type Merge } from './merge.service.ts';
export { ResolutionSuggestionSchema, type ResolutionSuggestion } from './resolution.ts';
export { ProjectionStatusSchema, type ProjectionStatus } from './projector.ts';
export { EXTRACT_JOB, enqueueExtraction, runExtractJob, onExtractJobError, requireExtractor, type ExtractJobDeps } from './extract/extract.job.ts';
export { DEMO_REVIEWER } from './demo-approvals.ts';
export { RulesExtractor } from './extract/rules/index.ts';
export { LlmExtractor, type LlmExtractorOptions } from './extract/llm-extractor.ts';
export { exportGraph, importGraph, type ExportFormat } from './transfer/index.ts';
