export { IngestService, INGEST_JOB, safeFileName, type RegisterResult, type IngestLimits } from './ingest.service.ts';
export { runIngestJob, onIngestJobError, type IngestJobDeps } from './ingest.job.ts';
export { SourcesRepository } from './sources.repository.ts';
export { SourceSchema, type Source } from './source.schema.ts';
export { readDocument, detectFileType } from './readers/index.ts';
export { chunkDocument, type ChunkDraft, type PageText } from './chunker.ts';
export { SourceMetaInputSchema, SourceKindSchema, SOURCE_KINDS, type SourceMetaInput, type SourceKind, type ParsedDocument, type Block } from './document.ts';
export { loadSidecarMeta } from './sidecar.ts';
