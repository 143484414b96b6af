/**
 * Knowledge capability: candidate triples from extractors, expert review, entity resolution and
 * merges, the reviewed relations (system of record) and their projection into graph stores.
 */

export { type Candidate, type CandidateFilter, CandidateFilterSchema, CandidateSchema, CandidateStatusSchema } from './candidates.repository.ts';
export { DEMO_REVIEWER } from './demo-approvals.ts';
export { ENTITY_TYPES, type Entity, EntitySchema, toGraphEntity } from './entities.repository.ts';
export { EXTRACT_JOB, type ExtractionSources, type ExtractJobDeps, enqueueExtraction, enqueueExtractions, onExtractJobError, requireExtractor, runExtractJob } from './extract/extract.job.ts';
export { LlmExtractor, type LlmExtractorOptions } from './extract/llm-extractor.ts';
export { type EntityMention, RulesExtractor, splitSentences, type StatedMention, StatedMentionReader } from './extract/rules/index.ts';
export { Knowledge, type KnowledgeDeps } from './knowledge.ts';
export { SourceRetirementRepository, type SourceKnowledgeImpact } from './source-retirement.repository.ts';
export { type Merge, MergeSchema } from './merge.service.ts';
export {type Certainty,CertaintySchema, type ChunkForExtraction, type SynonymProposal, SynonymProposalSchema,
  type ExtractedTriple, 
  ExtractedTripleSchema, type ExtractionResult, type Extractor, type Mention, MentionSchema, PREDICATES,type Predicate, PredicateSchema, QualifiersSchema, 
} from './model.ts';
export { PREDICATE_LABELS, PREDICATE_TYPES, typesFit } from './predicates.ts';
export { type ProjectionStatus, ProjectionStatusSchema } from './projector.ts';
export { EvidenceSchema, type HistoryEntry, HistoryEntrySchema, type Relation, RelationFilterSchema, RelationSchema } from './relations.repository.ts';
export { type ResolutionSuggestion, ResolutionSuggestionSchema } from './resolution.ts';
export { type ApprovalEdit, ApprovalEditSchema, type BatchSizing, BULK_UNCONFIRMED_LIMIT, type BulkResult, ReviewService } from './review.service.ts';
export { BulkPreviewSchema } from './candidates.repository.ts';
export { type TermProposal, TermProposalFilterSchema, TermProposalSchema } from './term-proposals.repository.ts';
export { type TermDecision, TermDecisionSchema } from './term-proposals.service.ts';
export { type ImportPlan, planImport } from './vocabulary/import-plan.ts';
export { parseTerminology, type TermRecord, VOCAB_FORMATS, type VocabFormat, VocabFormatSchema } from './vocabulary/terminology.ts';
export { type VocabImport, VocabImportSchema } from './vocabulary/vocab-imports.repository.ts';
export type { ImportReport, ImportRequest } from './vocabulary/vocab-imports.service.ts';
export { type ExportFormat, exportGraph, type ImportResult, importGraph, type SignatureStatus, signExport, UNSIGNED_IMPORT_TAG } from './transfer/index.ts';
export { KnowledgeService, type KnowledgeServiceDeps, type SourceReader } from './knowledge.service.ts';
export { GraphService, type GraphServiceDeps } from './graph.service.ts';
export type { TermProposalFilter } from './term-proposals.repository.ts';
