import { AppError, isAppError, type Logger, yieldToEventLoop } from '../../core/index.ts';
import type { Database, Job, JobQueue, Queryable } from '../../store/index.ts';
import type { CandidatesRepository, NewCandidate } from '../candidates.repository.ts';
import type { EntitiesRepository } from '../entities.repository.ts';
import type { ChunkForExtraction, Extractor, GleanBudget, Mention } from '../model.ts';
import { orient } from '../predicates.ts';
import { MentionResolver } from './mention-resolver.ts';
import type { TermProposalsRepository, TermSighting } from '../term-proposals.repository.ts';

export const EXTRACT_JOB = 'extract';
const BATCH = 32;
/**
 * A batch commits early once it holds this many candidates and sightings: its commit is one PGlite transaction, which
 * never yields to the event loop, and a dense batch (1,100 candidates) held /healthz for 250–320 ms on a quiet machine,
 * over a second on a busy one.
 */
const ROWS_PER_COMMIT = 250;

/**
 * What extraction reads of a source: its status, its passages in reading order and the page a quote is on
 * (ingest's SourcesService implements it; knowledge never reads ingest's tables).
 */
export interface ExtractionSources {
  get(id: string): Promise<{ status: string } | null>;
  chunkCount(sourceId: string): Promise<number>;
  chunksFrom(sourceId: string, from: number, limit: number): Promise<ChunkRow[]>;
  pageContaining(sourceId: string, from: number, to: number, text: string): Promise<number | null>;
}

export interface ExtractJobDeps {
  db: Database;
  sources: ExtractionSources;
  jobs: JobQueue;
  candidates: CandidatesRepository;
  entities: EntitiesRepository;
  /** Where unresolved mentions and stated synonyms go as vocabulary proposals (omitted: they are dropped). */
  terms?: TermProposalsRepository;
  /** Engines available in this process (`llm` only when a model is configured). */
  extractors: Partial<Record<'rules' | 'llm', Extractor>>;
  log: Logger;
  /** Runs after a source's extraction finished (demo sources: the demo reviewer's starter approvals). */
  afterExtract?: (sourceId: string, demo: boolean) => Promise<void>;
}

/** Text of the previous chunk handed on as context: enough for a heading line or a defining sentence. */
const PRECEDING_CHARS = 400;

/** Queue extraction of one source with one engine; re-queuing a finished one runs it again (adds only what is new). */
export async function enqueueExtraction(q: Queryable, jobs: JobQueue, sourceId: string, engine: 'rules' | 'llm', opts: { tags?: string[]; demo?: boolean } = {}): Promise<Job> {
  const [job] = await enqueueExtractions(q, jobs, [{ id: sourceId, demo: opts.demo ?? false, tags: opts.tags }], engine);
  return job;
}

/** Queue extraction of many sources (bulk literature imports) in one statement. */
export function enqueueExtractions(q: Queryable, jobs: JobQueue, sources: ReadonlyArray<{ id: string; demo: boolean; tags?: string[] }>, engine: 'rules' | 'llm'): Promise<Job[]> {
  return jobs.enqueueMany(
    q,
    EXTRACT_JOB,
    sources.map((s) => ({ payload: { sourceId: s.id, engine, tags: s.tags ?? [], demo: s.demo }, dedupeKey: `extract:${s.id}:${engine}` })),
    { rerunFinished: true, maxAttempts: 5 },
  );
}

export function requireExtractor(extractors: ExtractJobDeps['extractors'], engine: 'rules' | 'llm'): Extractor {
  const x = extractors[engine];
  if (!x) {
    throw new AppError('VALIDATION_FAILED', '未配置大模型（YZ_LLM=none），请使用规则引擎 --engine rules / no LLM configured: use the rules engine', { field: 'engine' });
  }
  return x;
}

interface ChunkRow {
  id: string;
  ordinal: number;
  text: string;
  headingPath: string[];
  pageStart: number;
  pageEnd: number;
}

/**
 * Extraction over a source's chunks in ordinal batches. Each batch's candidates and the job's
 * progress commit together, and candidates are keyed by a fingerprint, so a job resumed after a
 * crash continues where it stopped and a re-run adds nothing twice.
 */
export async function runExtractJob(job: Job, deps: ExtractJobDeps): Promise<void> {
  const sourceId = String(job.payload.sourceId);
  const engine = job.payload.engine === 'llm' ? 'llm' : 'rules';
  const tags = Array.isArray(job.payload.tags) ? job.payload.tags.map(String) : [];
  const demo = job.payload.demo === true;
  const extractor = requireExtractor(deps.extractors, engine);
  const src = await deps.sources.get(sourceId);
  if (!src) throw new AppError('NOT_FOUND', `source ${sourceId} no longer exists`, { field: 'sourceId' });
  if (src.status !== 'ready') throw new AppError('STATE_CONFLICT', `source ${sourceId} is not indexed yet (${src.status})`, { field: 'sourceId' });
  const total = await deps.sources.chunkCount(sourceId);
  let done = Math.min(job.progressDone, total);
  const stats = { proposed: 0, inserted: 0, termSightings: 0, llmCalls: Number(job.result?.llmCalls ?? 0), failedChunks: 0 };
  const resolver = new MentionResolver(deps.entities);
  // The glean budget resumes from the checkpoint written with the last committed batch (by whichever worker).
  const checkpoint = job.result?.checkpoint as { done?: number; glean?: GleanBudget } | undefined;
  const gleanBudget: GleanBudget = checkpoint?.done === done && checkpoint.glean ? { ...checkpoint.glean } : { chunks: 0, gleans: 0 };
  await deps.jobs.progress(deps.db, job.id, `extract:${engine}`, done, total);
  while (done < total) {
    // The chunk before the batch too: the first chunk's section may have begun in it.
    const fetched = await deps.sources.chunksFrom(sourceId, Math.max(0, done - 1), BATCH + (done > 0 ? 1 : 0));
    const previous = done > 0 && fetched[0]?.ordinal === done - 1 ? fetched[0] : undefined;
    const rows = fetched.filter((r) => r.ordinal >= done);
    if (!rows.length) break;
    const drafts: NewCandidate[] = [];
    const sightings: TermSighting[] = [];
    let before = previous;
    let next = done;
    for (const row of rows) {
      if (drafts.length + sightings.length >= ROWS_PER_COMMIT) break;
      next = row.ordinal + 1;
      // Rules extraction and mention resolution are synchronous work on the event loop (and PGlite
      // statements never yield): give the API a turn between chunks.
      await yieldToEventLoop();
      const chunk: ChunkForExtraction = {
        id: row.id, sourceId, text: row.text, headingPath: row.headingPath, pageStart: row.pageStart, gleanBudget,
        ...(before && sameSection(before, row) ? { preceding: before.text.slice(-PRECEDING_CHARS) } : {}),
      };
      before = row;
      let result: Awaited<ReturnType<Extractor['extract']>>;
      try {
        result = await extractor.extract(chunk);
      } catch (e) {
        // A model that keeps failing on one chunk must not stall the source: skip it and say so in the result.
        if (!isAppError(e) || (e.status >= 500 && (e.code as string) !== 'LLM_BAD_OUTPUT')) throw e;
        stats.failedChunks++;
        deps.log.warn({ jobId: job.id, chunkId: row.id, code: e.code }, 'extraction skipped a chunk');
        continue;
      }
      stats.llmCalls += result.llmCalls;
      if (result.failure) {
        stats.failedChunks++;
        deps.log.warn({ jobId: job.id, chunkId: row.id, code: result.failure.code }, result.failure.message);
      }
      await resolver.prepare([...result.triples.flatMap((t) => [t.subject, t.object]), ...(result.synonyms ?? []).map((y) => y.term)]);
      for (const t of result.triples) {
        const subject = resolver.resolve(t.subject);
        const object = resolver.resolve(t.object);
        const [s, o] = subject.entityId && object.entityId ? orientMentions(t.predicate, subject, object) : [subject, object];
        const page = await pageOf(deps.sources, sourceId, row, t.quote);
        drafts.push({ ...t, subject: s, object: o, sourceId, chunkId: row.id, page, extractor: extractor.engine, extractorVersion: extractor.version, tags, demo });
        for (const m of [s, o]) {
          if (!m.entityId) sightings.push({ kind: 'term', surface: m.text, guessedType: m.type, sourceId, chunkId: row.id, page, quote: t.quote, quoteStart: t.quoteStart });
        }
      }
      for (const y of result.synonyms ?? []) {
        const term = resolver.resolve(y.term);
        const page = await pageOf(deps.sources, sourceId, row, y.quote);
        sightings.push({
          kind: 'synonym', surface: y.alias, guessedType: term.type, target: { surface: term.text, entityId: term.entityId }, cue: y.cue,
          sourceId, chunkId: row.id, page, quote: y.quote, quoteStart: y.quoteStart,
        });
      }
    }
    stats.proposed += drafts.length;
    const stillRunning = await deps.db.transaction(async (tx) => {
      stats.inserted += await deps.candidates.insertMany(tx, drafts);
      if (deps.terms) stats.termSightings += await deps.terms.record(tx, sightings);
      return deps.jobs.progress(tx, job.id, `extract:${engine}`, next, total, { checkpoint: { done: next, glean: gleanBudget } });
    });
    done = next;
    if (!stillRunning) return;
  }
  await deps.afterExtract?.(sourceId, demo);
  await deps.jobs.succeed(deps.db, job.id, {
    sourceId, engine, extractorVersion: extractor.version, chunks: total, ...stats,
    llmCallsPerChunk: total ? Math.round((stats.llmCalls / total) * 100) / 100 : 0,
  });
}

export async function onExtractJobError(job: Job, error: unknown, deps: ExtractJobDeps): Promise<void> {
  const permanent = isAppError(error) && error.status < 500 && error.code !== 'STATE_CONFLICT';
  const info = isAppError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: String((error as Error)?.message ?? error) };
  await deps.jobs.fail(job.id, info, permanent);
  deps.log.warn({ jobId: job.id, sourceId: job.payload.sourceId, code: info.code }, 'extraction failed');
}

/** Two chunks of one section: the same heading path (a plain-text book has none, and is one section). */
function sameSection(a: ChunkRow, b: ChunkRow): boolean {
  return a.headingPath.length === b.headingPath.length && a.headingPath.every((h, i) => h === b.headingPath[i]);
}

function orientMentions(predicate: NewCandidate['predicate'], s: Mention, o: Mention): [Mention, Mention] {
  const [first] = orient(predicate, s.entityId as string, o.entityId as string);
  return first === s.entityId ? [s, o] : [o, s];
}

/** The page a quote is on: the chunk's first page unless the chunk spans pages and the quote is found on a later one. */
async function pageOf(sources: ExtractionSources, sourceId: string, row: ChunkRow, quote: string): Promise<number> {
  if (row.pageStart === row.pageEnd) return row.pageStart;
  return (await sources.pageContaining(sourceId, row.pageStart, row.pageEnd, quote.slice(0, 24))) ?? row.pageStart;
}
