export { ChunkIndexer, indexText, prepareChunkRows, INDEX_VERSION, type ChunkInput } from './chunk-indexer.ts';
export type { ChunkRow } from './chunk-index.repository.ts';
export { EMBED_JOB, enqueueEmbedding, enqueueEmbeddings, runEmbedJob, onEmbedJobError, queueMissingEmbeddings, type EmbedJobDeps } from './embed.job.ts';
export { SearchService, type SearchTuning } from './search.service.ts';
export { fuse, fusionWeightsFor, type FusionWeights } from './fusion.ts';
export { DEFAULT_RERANK, type RerankWeights } from './rerank.ts';
export { HttpReranker, type Reranker } from './rerankers/reranker.ts';
export { buildQueryPlan, type QueryPlan } from './query-plan.ts';
export {
  SearchRequestSchema,
  SearchResponseSchema,
  SearchHitSchema,
  MAX_QUERY_CHARS,
  type SearchRequest,
  type SearchResponse,
  type SearchHit,
} from './search.schemas.ts';
export type { Embedder } from './embedders/embedder.ts';
export { HashEmbedder } from './embedders/hash-embedder.ts';
export { OllamaEmbedder, OpenAiEmbedder } from './embedders/http-embedders.ts';
export { createEmbedder } from './embedders/registry.ts';
export { formatCitation } from './citation.ts';
export { highlightRanges } from './highlight.ts';
