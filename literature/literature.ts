import { AuditLog } from '../audit/index.ts';
import { AppError, type Logger, type PubmedConfig } from '../core/index.ts';
import type { PreparedImportDeps } from '../ingest/index.ts';
import type { Database, Job, JobHandler, JobQueue } from '../store/index.ts';
import { EutilsClient } from './eutils-client.ts';
import { parsePubmedXml } from './pubmed-xml.ts';
import { importBatch } from './record-import.ts';
import { RecordsRepository } from './records.repository.ts';
import { type Run, type Watch, type WatchInput, WatchInputSchema } from './watch.schema.ts';
import { onWatchJobError, PUBMED_WATCH_JOB, runWatchJob, scheduleNext, type WatchJobDeps } from './watch.job.ts';
import { WatchesRepository } from './watches.repository.ts';

export interface LiteratureDeps {
  db: Database;
  jobs: JobQueue;
  prepared: PreparedImportDeps;
  config: PubmedConfig;
  log: Logger;
  /** Wake the job workers (after a run is queued or an import queued extraction). */
  wake?: () => void;
  /** Pin "today" (tests). */
  today?: () => Date;
}

/** Records per transaction when importing a file. */
const IMPORT_BATCH = 250;

/**
 * Literature watch: PubMed watches on a schedule, manual XML imports, and the literature sources
 * they create. Everything imported goes through extraction into the review queue tagged
 * "new_literature" — nothing reaches the graph unreviewed.
 */
export class Literature {
  private readonly audit = new AuditLog();
  readonly watches: WatchesRepository;
  readonly records: RecordsRepository;
  readonly client: EutilsClient;
  private readonly jobDeps: WatchJobDeps;

  constructor(private readonly deps: LiteratureDeps) {
    this.watches = new WatchesRepository(deps.db);
    this.records = new RecordsRepository(deps.db);
    this.client = new EutilsClient({
      baseUrl: deps.config.url, apiKey: deps.config.apiKey, email: deps.config.email, tool: deps.config.tool,
      timeoutMs: deps.config.timeoutMs, retries: deps.config.retries, backoffMs: deps.config.backoffMs,
    });
    this.jobDeps = { ...deps, watches: this.watches, records: this.records, client: this.client };
  }

  jobHandlers(): Record<string, JobHandler> {
    return {
      [PUBMED_WATCH_JOB]: {
        run: (job) => runWatchJob(job, this.jobDeps),
        onError: (job, e) => onWatchJobError(job, e, this.jobDeps),
        onQuarantine: async () => void (await this.closeInterrupted()),
      },
    };
  }

  /**
   * Close runs whose process died (RUN_INTERRUPTED) instead of leaving them `running` forever. At start
   * in embedded mode pass `all` (this process holds the data directory); otherwise a run without a job is
   * presumed dead once its heartbeat is older than two job leases.
   */
  async closeInterrupted(opts: { all?: boolean } = {}): Promise<string[]> {
    const closed = await this.watches.closeInterrupted({ all: opts.all ?? false, staleSeconds: 2 * this.deps.jobs.leaseSeconds });
    if (closed.length) this.deps.log.warn({ runIds: closed }, 'PubMed runs interrupted by a dead process closed as failed');
    return closed;
  }

  /** At start: every enabled watch has its next run queued (idempotent across processes). */
  async ensureScheduled(): Promise<number> {
    const unscheduled = (await this.watches.list()).filter((w) => w.enabled && !w.nextRunAt);
    for (const w of unscheduled) await scheduleNext(this.deps, w);
    return unscheduled.length;
  }

  async createWatch(input: unknown, actor: string): Promise<Watch> {
    const w = parseWatch(input);
    const id = await this.deps.db.transaction(async (tx) => {
      const id = await this.watches.create(tx, w, actor);
      await this.audit.append(tx, { actor, action: 'watch.create', target: id, details: watchDetails(w) });
      return id;
    });
    if (w.enabled) await scheduleNext(this.deps, { id, cron: w.cron });
    return this.watches.get(id);
  }

  async updateWatch(id: string, input: unknown, actor: string): Promise<Watch> {
    const w = parseWatch(input);
    await this.deps.db.transaction(async (tx) => {
      await this.watches.update(tx, id, w);
      // A changed schedule replaces the queued slot; a run in progress is left to finish.
      await this.deps.jobs.cancelQueued(tx, PUBMED_WATCH_JOB, { watchId: id, trigger: 'schedule' });
      await this.audit.append(tx, { actor, action: 'watch.update', target: id, details: watchDetails(w) });
    });
    if (w.enabled) await scheduleNext(this.deps, { id, cron: w.cron });
    return this.watches.get(id);
  }

  async deleteWatch(id: string, actor: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      await this.watches.delete(tx, id);
      await this.deps.jobs.cancelQueued(tx, PUBMED_WATCH_JOB, { watchId: id });
      await this.audit.append(tx, { actor, action: 'watch.delete', target: id });
    });
  }

  /** "Run now": one queued manual run per watch; pressing again while it is queued or running returns the same job. */
  async runNow(id: string, actor: string): Promise<Job> {
    await this.watches.get(id);
    const queued = await this.deps.db.transaction(async (tx) => {
      const job = await this.deps.jobs.enqueue(tx, PUBMED_WATCH_JOB, { watchId: id, trigger: 'manual' }, { dedupeKey: `pubmed:${id}:manual`, rerunFinished: true });
      await this.audit.append(tx, { actor, action: 'watch.run', target: id, details: { jobId: job.id } });
      return job;
    });
    this.deps.wake?.();
    return queued;
  }

  /** Every watch. */
  listWatches(): Promise<Watch[]> {
    return this.watches.list();
  }

  /** Run history, newest first (optionally of one watch). */
  runs(filter: { watchId?: string; limit?: number } = {}): Promise<Run[]> {
    return this.watches.runs(filter);
  }

  /** One run; NOT_FOUND when absent. */
  getRun(id: string): Promise<Run> {
    return this.watches.getRun(id);
  }

  /** Imported PubMed records (the literature shelf). */
  listRecords(query: Parameters<RecordsRepository['list']>[0]): ReturnType<RecordsRepository['list']> {
    return this.records.list(query);
  }

  /**
   * Import a PubMed XML export (or efetch answer saved to a file). The whole file is parsed first:
   * malformed XML imports nothing. Re-importing the same file adds nothing (PMID dedup).
   */
  async importXml(xml: string, fileName: string, opts: { demo?: boolean; actor?: string } = {}): Promise<Run> {
    const actor = opts.actor ?? 'system';
    const set = parsePubmedXml(xml, fileName);
    if (!set.records.length && !set.skipped.length) {
      throw new AppError('PUBMED_XML_INVALID', `${fileName} 中没有 PubmedArticle 记录 / no PubmedArticle records in ${fileName}`);
    }
    const runId = await this.deps.db.transaction((tx) =>
      this.watches.startRun(tx, { watchId: null, jobId: null, trigger: 'import', term: fileName, owner: this.deps.jobs.workerId }),
    );
    if (!runId) throw new AppError('INTERNAL', 'could not start an import run');
    // The run has no job lease: its own heartbeat tells other processes this import is alive.
    const beat = setInterval(() => void this.watches.heartbeatRun(runId).catch(() => undefined), (this.deps.jobs.leaseSeconds * 1000) / 3);
    beat.unref();
    try {
      // Skipped entries (book articles, records without a PMID) are counted with the first batch.
      const batches = Math.max(1, Math.ceil(set.records.length / IMPORT_BATCH));
      const totals: Record<string, number> = {};
      for (let b = 0; b < batches; b++) {
        const part = { records: set.records.slice(b * IMPORT_BATCH, (b + 1) * IMPORT_BATCH), skipped: b === 0 ? set.skipped : [], deleted: [] };
        await this.deps.db.transaction(async (tx) => {
          const counts = await importBatch(tx, this.jobDeps, part, { runId, demo: opts.demo ?? false, uploadedBy: actor });
          for (const [k, v] of Object.entries(counts)) totals[k] = (totals[k] ?? 0) + v;
          await this.watches.addCounts(tx, runId, counts);
        });
      }
      await this.deps.db.transaction(async (tx) => {
        await this.watches.finishRun(tx, runId, 'succeeded');
        await this.audit.append(tx, { actor, action: 'literature.import', target: fileName.slice(0, 500), details: { runId, ...totals } });
      });
    } catch (e) {
      const info = e instanceof AppError ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String((e as Error).message) };
      await this.deps.db.transaction((tx) => this.watches.finishRun(tx, runId, 'failed', info));
      throw e;
    } finally {
      clearInterval(beat);
      // Committed batches queued extraction of their records (interrupted or not).
      this.deps.wake?.();
    }
    return this.watches.getRun(runId);
  }
}

function parseWatch(input: unknown): WatchInput {
  const r = WatchInputSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new AppError('VALIDATION_FAILED', `订阅字段 ${issue?.path.join('.') || '(body)'} 无效 / invalid watch: ${issue?.message}`, { field: String(issue?.path[0] ?? 'body') });
}

/** What an audit row records about a watch (its definition, not its results). */
function watchDetails(w: WatchInput): Record<string, unknown> {
  return { name: w.name, query: w.query.slice(0, 500), cron: w.cron, enabled: w.enabled };
}
