import { AppError, isAppError, type Logger, nextBatchSize, yieldToEventLoop } from '../core/index.ts';
import { type ChunkIndexer, enqueueEmbedding } from '../search/index.ts';
import type { Database, Job, JobQueue, Queryable } from '../store/index.ts';
import type { StoredPage } from './page-layout.ts';
import type { ParsePool } from './parse-pool.ts';
import type { ChunkSlice } from './parse.worker.ts';
import type { Source, SourcesRepository } from './sources.repository.ts';
import type { TablesRepository } from './tables.repository.ts';

/**
 * Chunks per insert transaction, sized from the last one's duration: PGlite runs each statement (chunk
 * rows, tsvector, term statistics) synchronously on the event loop, and a large corpus makes the
 * statistics upsert slower.
 */
const BATCH_BOUNDS = { targetMs: 60, min: 8, max: 256 };
/** Chunks tokenised per parser-thread task (the reply is deserialised on the event loop: keep it about a megabyte). */
const SLICE = 256;

export interface IngestJobDeps {
  db: Database;
  jobs: JobQueue;
  sources: SourcesRepository;
  parser: ParsePool;
  indexer: ChunkIndexer;
  tables: TablesRepository;
  log: Logger;
  /** `ingest.after_batch:N` → SIGKILL self after N batches (crash-recovery tests only). */
  fault?: string;
  /** Work queued in the same transaction that marks the source ready (e.g. triple extraction). */
  onReady?: (tx: Queryable, source: { id: string; demo: boolean; tags?: string[] }) => Promise<void>;
}

/**
 * The ingest job: chunk → tokenise → insert, from the source's stored pages ("parse once": no worker
 * ever re-reads the file, and nothing is cached in process memory). Chunking and tokenising run in the
 * parser threads; each batch of rows is one transaction with its progress, and the event loop gets a
 * turn between batches. Chunk ids are deterministic and inserts idempotent, so a job resumed after a crash
 * — in this process or another — continues after the last committed batch with no duplicate and no gap.
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
  const pages = await storedPages(source, deps);
  let done = await deps.sources.nextChunkOrdinal(sourceId);
  const faultAfter = parseFault(deps.fault);
  let batches = 0;
  let batchSize = 32;
  const sliceFrom = (from: number) => deps.parser.chunk({ sourceId, title: source.title, pages, chunkChars, from, count: SLICE });
  // The next slice is tokenised in the parser thread while this one is written here.
  let pending: Promise<ChunkSlice> | null = sliceFrom(done);
  try {
    while (pending) {
      const slice: ChunkSlice = await pending;
      const total = slice.total;
      const end = done + slice.rows.length;
      pending = slice.rows.length && end < total ? sliceFrom(end) : null;
      if (batches === 0) await deps.jobs.progress(deps.db, job.id, 'index', done, total);
      for (let i = 0; i < slice.rows.length; ) {
        const batch = slice.rows.slice(i, i + batchSize);
        i += batch.length;
        const started = performance.now();
        const stillRunning = await deps.db.transaction(async (tx) => {
          await deps.indexer.insert(tx, batch);
          const ids = new Set(batch.map((r) => r.id));
          await deps.tables.insertChunkRows(tx, sourceId, slice.tableRows.filter((t) => ids.has(t.chunkId)));
          return deps.jobs.progress(tx, job.id, 'index', done + batch.length, total);
        });
        batchSize = nextBatchSize(batchSize, performance.now() - started, BATCH_BOUNDS);
        done += batch.length;
        batches++;
        if (!stillRunning) {
          deps.log.info({ jobId: job.id, sourceId }, 'ingest job cancelled');
          return;
        }
        if (faultAfter !== null && batches >= faultAfter) process.kill(process.pid, 'SIGKILL');
        await yieldToEventLoop();
      }
    }
  } finally {
    pending?.catch(() => undefined); // abandoned after a cancel or an error: its outcome no longer matters
  }
  await deps.db.transaction(async (tx) => {
    const chunks = await deps.sources.chunkCount(sourceId, tx);
    await deps.sources.markReady(tx, sourceId, chunks);
    await enqueueEmbedding(tx, deps.jobs, deps.indexer, sourceId);
    await deps.onReady?.(tx, { id: sourceId, demo: source.demo });
    await deps.jobs.succeed(tx, job.id, { sourceId, chunks, pages: source.pageCount });
  });
  // Fold the job's posting-list segments (one per batch) into larger ones; another process may be doing it.
  await deps.indexer.compact(deps.db);
}

/** The stored pages; a source stored before block layouts were kept (migration 011) is read again from its file. */
async function storedPages(source: Source, deps: IngestJobDeps): Promise<StoredPage[]> {
  const rows = await deps.sources.storedPages(source.id);
  if (rows.length && rows.every((r) => r.layout)) return rows as StoredPage[];
  const bytes = await deps.sources.fileBytes(source.id);
  if (!bytes) throw new AppError('NOT_FOUND', `原始文件缺失 / original file missing for ${source.id}`);
  const doc = await deps.parser.parse({ bytes, fileName: source.fileName, type: typeOfMime(source.mime), limits: { maxPages: Number.MAX_SAFE_INTEGER, maxDecompressedBytes: Number.MAX_SAFE_INTEGER, maxDecompressionRatio: Number.MAX_SAFE_INTEGER } });
  return doc.pages;
}

function typeOfMime(mime: string): 'pdf' | 'markdown' | 'html' | 'text' {
  return mime === 'application/pdf' ? 'pdf' : mime === 'text/markdown' ? 'markdown' : mime === 'text/html' ? 'html' : 'text';
}

/**
 * Called by the runner when the job throws. Bad input (a 4xx AppError) and data the database refuses
 * (SQLSTATE class 22 data exception or 23 integrity violation — retrying cannot change the outcome) fail
 * the source for good; the rest retries. The user only ever sees the AppError sentence or a generic one:
 * database error text stays in the log.
 */
export async function onIngestJobError(job: Job, error: unknown, deps: IngestJobDeps): Promise<void> {
  const sourceId = String(job.payload.sourceId);
  const sqlState = (error as { code?: unknown })?.code;
  const refusedByDatabase = !isAppError(error) && typeof sqlState === 'string' && /^2[23][0-9A-Z]{3}$/.test(sqlState);
  const permanent = (isAppError(error) && error.status < 500) || refusedByDatabase;
  const info = isAppError(error)
    ? { code: error.code, message: error.message }
    : refusedByDatabase
      ? { code: 'INGEST_REJECTED', message: '文档内容无法写入索引（数据不一致），请检查文件后重新上传 / the document could not be indexed (inconsistent data); check the file and upload it again' }
      : { code: 'INTERNAL', message: '导入时发生内部错误，将自动重试 / internal error during ingest; it will be retried' };
  if (!isAppError(error) || error.status >= 500) deps.log.error({ jobId: job.id, sourceId, err: error, sqlState }, 'ingest job failed');
  const updated = await deps.jobs.fail(job.id, info, permanent);
  if (updated?.status === 'failed') await deps.sources.markFailed(sourceId, info);
}

function parseFault(fault?: string): number | null {
  const m = /^ingest\.after_batch:(\d+)$/.exec(fault ?? '');
  return m ? Number(m[1]) : null;
}
