import { isAppError, type Logger, nextBatchSize, yieldToEventLoop } from '../core/index.ts';
import type { Database, Job, JobQueue, Queryable } from '../store/index.ts';
import type { ChunkIndexer } from './chunk-indexer.ts';

export const EMBED_JOB = 'embed';

/**
 * Target duration of one embedding batch's transaction. HNSW insertion runs synchronously inside the
 * embedded database (PGlite, WebAssembly on the event loop) and slows as the index grows, so the batch
 * size follows the measured time instead of a fixed count: the API keeps answering during a big ingest.
 */
const BATCH_BOUNDS = { targetMs: 80, min: 4, max: 256 };

export interface EmbedJobDeps {
  db: Database;
  jobs: JobQueue;
  indexer: ChunkIndexer;
  log: Logger;
}

/** Queue (or re-queue) the embedding of one source's chunks for the configured embedder. */
export async function enqueueEmbedding(tx: Queryable, jobs: JobQueue, indexer: ChunkIndexer, sourceId: string): Promise<Job> {
  const [job] = await enqueueEmbeddings(tx, jobs, indexer, [sourceId]);
  return job;
}

/** The same for many sources in one statement (bulk literature imports). */
export function enqueueEmbeddings(tx: Queryable, jobs: JobQueue, indexer: ChunkIndexer, sourceIds: string[]): Promise<Job[]> {
  const model = indexer.embedder.model;
  return jobs.enqueueMany(tx, EMBED_JOB, sourceIds.map((sourceId) => ({ payload: { sourceId, model }, dedupeKey: `embed:${sourceId}:${model}` })), {
    rerunFinished: true,
    maxAttempts: 5,
  });
}

/** Embed a source's chunks in batches until none is missing; each batch commits on its own, the event loop runs between them. */
export async function runEmbedJob(job: Job, deps: EmbedJobDeps): Promise<void> {
  const sourceId = String(job.payload.sourceId);
  const progress = await deps.indexer.embeddingProgress(deps.db, sourceId);
  const total = progress.total;
  let done = progress.done;
  await deps.jobs.progress(deps.db, job.id, 'embed', done, total);
  let batch = 32;
  for (;;) {
    const timing = { writeMs: 0 };
    const n = await deps.indexer.embedPending(deps.db, sourceId, batch, timing);
    if (n === 0) break;
    batch = nextBatchSize(batch, timing.writeMs, BATCH_BOUNDS);
    done += n;
    await yieldToEventLoop();
    if (!(await deps.jobs.progress(deps.db, job.id, 'embed', Math.min(done, total), total))) return; // cancelled
  }
  await deps.jobs.succeed(deps.db, job.id, { sourceId, model: deps.indexer.embedder.model, embedded: done });
  // Every indexed source (ingest job or bulk literature import) passes here: fold its posting-list segments.
  await deps.indexer.compact(deps.db);
}

export async function onEmbedJobError(job: Job, error: unknown, deps: EmbedJobDeps): Promise<void> {
  const info = isAppError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: String((error as Error)?.message ?? error) };
  // An unreachable embedding server is transient: keep retrying with backoff rather than failing for good.
  await deps.jobs.fail(job.id, info, false);
  deps.log.warn({ jobId: job.id, sourceId: job.payload.sourceId, code: info.code }, 'embedding failed');
}

/** At start: queue embeddings for every source missing vectors of the configured model (a model change, or older data). */
export async function queueMissingEmbeddings(deps: EmbedJobDeps): Promise<number> {
  const sources = await deps.indexer.sourcesMissingEmbeddings(deps.db);
  for (const s of sources) await enqueueEmbedding(deps.db, deps.jobs, deps.indexer, s);
  return sources.length;
}
