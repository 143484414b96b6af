/**
 * Case matching (issue 18): a typical-case library curated by experts (draft → approved), structured findings
 * from free text, similar-case retrieval (graph-weighted findings overlap + BM25, every score explained), a
 * ranked differential over the approved graph with cited supporting / contradicting / missing findings, and a
 * measurement timeline with volume doubling time.
 *
 * Storage: store/migrations/060_cases.sql. Disease-area fields: cases/disease-fields.yaml.
 */
export {CASE_STATUSES, 
  type Case, type CaseFilter, CaseFilterSchema, type CaseInput, type CaseInputParsed, CaseInputSchema, CaseSchema, DISEASE_AREAS,
  type MatchRequest, MatchRequestSchema, MODALITIES, type StructuredFinding, StructuredFindingSchema, type Study,
} from './case.schemas.ts';
export { type RowError, readCaseFile } from './case-file.ts';
export { CaseVectorsRepository } from './case-vectors.repository.ts';
export { type CaseImageMeta, type CaseRow, CasesRepository } from './cases.repository.ts';
export { CasesService, type DifferentialOutput, type ImportResult, type PatientTimeline, type SimilarResult, type VectorsUsed } from './cases.service.ts';
export { Cases, type CasesCapabilityDeps } from './cases.ts';
export { type CitedFinding, type DifferentialResult, type MissingFinding, type RankedDisease, rankDifferential } from './differential.ts';
export { checkFields, type DiseaseFields, loadDiseaseFields } from './disease-fields.ts';
export { EvidenceGraph, type EvidenceRelation, type Link, type Passage } from './evidence-graph.ts';
export { FindingsReader, type ParsedFindings } from './findings.ts';
export { CASE_ENCRYPTED_COLUMNS, patientBlindIndex } from './patient-key.ts';
export { CompareResultSchema, DifferentialResultSchema, ImportResultSchema, ParsedQuerySchema, SimilarResultSchema, TimelineSchema } from './match.schemas.ts';
export { CaseIndex, type IndexedCase, MIX, MIX_WITH_VECTORS, type Mix, type SimilarHit } from './similarity.ts';
export { buildTimeline, type Interval, type LesionTimeline, type TimelineStudy } from './timeline.ts';
