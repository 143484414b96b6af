import { AppError, isAppError, type Logger } from '../core/index.ts';
import { type ChunkIndexer, enqueueEmbedding } from '../search/index.ts';
import type { Database, Job, JobQueue, Queryable } from '../store/index.ts';
import { chunkDocument } from './chunker.ts';
import type { IngestService } from './ingest.service.ts';
import type { SourcesRepository } from './sources.repository.ts';
import { normalizeBlock } from './tables.ts';
import type { TablesRepository } from './tables.repository.ts';

const BATCH = 128;

export interface IngestJobDeps {
  db: Database;
  jobs: JobQueue;
  sources: SourcesRepository;
  ingest: IngestService;
  indexer: ChunkIndexer;
  tables: TablesRepository;
  log: Logger;
  /** `ingest.after_batch:N` → SIGKILL self after N batches (crash-recovery tests only). */
  fault?: string;
  /** Work queued in the same transaction that marks the source ready (e.g. triple extraction). */
  onReady?: (tx: Queryable, source: { id: string; demo: boolean; tags?: string[] }) => Promise<void>;
}

/**
 * The ingest job: chunk → tokenise → insert, in ordinal batches, each batch one transaction with
 * its progress; on completion it queues the embedding job for the source. Chunk ids are deterministic and inserts idempotent, so a job resumed after a
 * crash continues after the last committed batch with no duplicate and no gap.
 */
export async function runIngestJob(job: Job, deps: IngestJobDeps): Promise<void> {
  const sourceId = String(job.payload.sourceId);
  const chunkChars = Number(job.payload.chunkChars) || 600;
  const source = await deps.sources.get(sourceId);
  if (!source) throw new AppError('NOT_FOUND', `source ${sourceId} no longer exists`);
  if (source.status === 'ready') {
    await deps.jobs.succeed(deps.db, job.id, { sourceId, chunks: source.chunkCount ?? 0, resumed: true });
    return;
  }
  const doc = await deps.ingest.parsedDocument(source);
  const blocks = doc.blocks.map(normalizeBlock);
  const { chunks } = chunkDocument(blocks, chunkChars);
  const { rows } = await deps.db.query<{ next: number }>(
    'SELECT coalesce(max(ordinal) + 1, 0)::int AS next FROM chunks WHERE source_id = $1',
    [sourceId],
  );
  let done = rows[0]?.next ?? 0;
  const faultAfter = parseFault(deps.fault);
  let batches = 0;
  await deps.jobs.progress(deps.db, job.id, 'index', done, chunks.length);
  while (done < chunks.length) {
    const batch = chunks.slice(done, done + BATCH);
    const prepared = deps.indexer.prepare(sourceId, batch);
    const stillRunning = await deps.db.transaction(async (tx) => {
      await deps.indexer.insert(tx, prepared);
      await deps.tables.insertChunkRows(tx, sourceId, batch.flatMap((c, i) => (c.table ? [{ chunkId: prepared[i].id, ref: c.table }] : [])));
      return deps.jobs.progress(tx, job.id, 'index', done + batch.length, chunks.length);
    });
    done += batch.length;
    batches++;
    if (!stillRunning) {
      deps.log.info({ jobId: job.id, sourceId }, 'ingest job cancelled');
      return;
    }
    if (faultAfter !== null && batches >= faultAfter) process.kill(process.pid, 'SIGKILL');
  }
  await deps.db.transaction(async (tx) => {
    const { rows: c } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM chunks WHERE source_id = $1', [sourceId]);
    await deps.sources.markReady(tx, sourceId, c[0]?.n ?? 0);
    await enqueueEmbedding(tx, deps.jobs, deps.indexer, sourceId);
    await deps.onReady?.(tx, { id: sourceId, demo: source.demo });
    await deps.jobs.succeed(tx, job.id, { sourceId, chunks: c[0]?.n ?? 0, pages: doc.pageCount });
  });
  deps.ingest.forget(sourceId);
}

/** Called by the runner when the job throws: bad input fails the source for good, the rest retries. */
export async function onIngestJobError(job: Job, error: unknown, deps: IngestJobDeps): Promise<void> {
  const sourceId = String(job.payload.sourceId);
  const permanent = isAppError(error) && error.status < 500;
  const info = isAppError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: String((error as Error)?.message ?? error) };
  const updated = await deps.jobs.fail(job.id, info, permanent);
  if (updated?.status === 'failed') await deps.sources.markFailed(sourceId, info);
}

function parseFault(fault?: string): number | null {
  const m = /^ingest\.after_batch:(\d+)$/.exec(fault ?? '');
  return m ? Number(m[1]) : null;
}
