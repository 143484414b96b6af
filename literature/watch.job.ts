import { AppError, isAppError, type Logger, type PubmedConfig } from '../core/index.ts';
import type { Database, Job, JobQueue } from '../store/index.ts';
import { type EutilsClient, WebEnvExpired } from './eutils-client.ts';
import { parsePubmedXml } from './pubmed-xml.ts';
import { importBatch, type RecordImportDeps } from './record-import.ts';
import { nextRunAfter, type Watch, watchTerm } from './watch.schema.ts';
import type { WatchesRepository } from './watches.repository.ts';

export const PUBMED_WATCH_JOB = 'pubmed.watch';

export interface WatchJobDeps extends RecordImportDeps {
  db: Database;
  jobs: JobQueue;
  watches: WatchesRepository;
  client: EutilsClient;
  config: PubmedConfig;
  log: Logger;
  /** Today's date in the watch time zone (tests pin it). */
  today?: () => Date;
}

/** Queue the watch's next scheduled run. The dedupe key makes two processes scheduling the same slot create one job. */
export async function scheduleNext(deps: Pick<WatchJobDeps, 'db' | 'jobs' | 'config'>, watch: { id: string; cron: string }, after = new Date()): Promise<Job> {
  const at = nextRunAfter(watch.cron, after, deps.config.timezone);
  return deps.jobs.enqueue(deps.db, PUBMED_WATCH_JOB, { watchId: watch.id, trigger: 'schedule', scheduledFor: at.toISOString() }, {
    dedupeKey: `pubmed:${watch.id}:${at.toISOString()}`,
    runAfter: at,
  });
}

/**
 * One run of a watch: esearch (history server) over the window since the last covered day, then
 * efetch in batches; each batch's records, the run's counts and the job's progress commit together,
 * so a run interrupted anywhere resumes after its last batch without duplicates (PMIDs dedup the rest).
 */
export async function runWatchJob(job: Job, deps: WatchJobDeps): Promise<void> {
  const watchId = String(job.payload.watchId);
  const trigger = job.payload.trigger === 'manual' ? 'manual' : 'schedule';
  let watch: Watch;
  try {
    watch = await deps.watches.get(watchId);
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') return void (await deps.jobs.succeed(deps.db, job.id, { skipped: 'watch deleted' }));
    throw e;
  }
  // The chain of scheduled runs continues whatever happens to this one: a failed month is caught up next time.
  if (trigger === 'schedule' && watch.enabled) await scheduleNext(deps, watch, new Date(Math.max(Date.now(), Date.parse(String(job.payload.scheduledFor ?? 0)) + 1000)));
  if (trigger === 'schedule' && !watch.enabled) return void (await deps.jobs.succeed(deps.db, job.id, { skipped: 'watch disabled' }));

  const run = await resumeOrStart(job, deps, watch, trigger);
  if (!run) return;
  let history = run.webEnv && run.queryKey ? { webEnv: run.webEnv, queryKey: run.queryKey, total: run.total ?? 0 } : null;
  const search = async () => {
    const r = await deps.client.esearch(run.term, { minDate: slash(run.minDate), maxDate: slash(run.maxDate) });
    if (r.warnings.length) deps.log.warn({ watchId, warnings: r.warnings }, 'PubMed query warnings');
    const h = { webEnv: r.webEnv, queryKey: r.queryKey, total: Math.min(r.count, watch.maxRecords) };
    await deps.watches.setHistory(run.id, h);
    return h;
  };
  history ??= await search();
  let offset = run.fetched;
  await deps.jobs.progress(deps.db, job.id, 'fetch', offset, history.total);
  while (offset < history.total) {
    const size = Math.min(deps.config.batchSize, history.total - offset);
    let xml: string;
    try {
      xml = await deps.client.efetch(history, offset, size);
    } catch (e) {
      if (!(e instanceof WebEnvExpired)) throw e;
      history = await search(); // the history server forgot the query: search again, PMIDs dedup the overlap
      continue;
    }
    const set = parsePubmedXml(xml, `efetch ${offset}–${offset + size}`);
    const got = set.records.length + set.skipped.length;
    const total = history.total;
    const stillRunning = await deps.db.transaction(async (tx) => {
      const counts = await importBatch(tx, deps, set, { runId: run.id, demo: false, uploadedBy: `watch:${watchId}` });
      await deps.watches.addCounts(tx, run.id, counts);
      return deps.jobs.progress(tx, job.id, 'fetch', offset + got, total);
    });
    if (!stillRunning) return;
    if (got === 0) break; // the server has fewer than it counted (records withdrawn meanwhile)
    offset += got;
  }
  await deps.db.transaction(async (tx) => {
    await deps.watches.finishRun(tx, run.id, 'succeeded');
    if (run.maxDate) await deps.watches.setCoveredUntil(tx, watchId, run.maxDate);
    await deps.jobs.succeed(tx, job.id, { runId: run.id, fetched: offset, total: history.total });
  });
}

export async function onWatchJobError(job: Job, error: unknown, deps: WatchJobDeps): Promise<void> {
  const info = isAppError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: String((error as Error)?.message ?? error) };
  // A rejected query or a malformed answer will not fix itself by retrying now; an outage might.
  const permanent = isAppError(error) && error.status < 500;
  const run = await deps.watches.runByJob(job.id);
  if (run) await deps.watches.recordError(run.id, info);
  const updated = await deps.jobs.fail(job.id, info, permanent);
  if (run && updated?.status === 'failed') await deps.db.transaction((tx) => deps.watches.finishRun(tx, run.id, 'failed', info));
  deps.log.warn({ jobId: job.id, watchId: job.payload.watchId, code: info.code }, 'PubMed watch run failed');
}

type ActiveRun = NonNullable<Awaited<ReturnType<WatchesRepository['runByJob']>>>;

async function resumeOrStart(job: Job, deps: WatchJobDeps, watch: Watch, trigger: 'schedule' | 'manual'): Promise<ActiveRun | null> {
  const mine = await deps.watches.runByJob(job.id);
  if (mine) {
    await deps.watches.resumeRun(mine.id);
    return mine;
  }
  const { minDate, maxDate } = windowOf(watch, deps.today?.() ?? new Date(), deps.config.timezone);
  const start = () =>
    deps.db.transaction((tx) => deps.watches.startRun(tx, { watchId: watch.id, jobId: job.id, trigger, term: watchTerm(watch), minDate, maxDate, owner: deps.jobs.workerId }));
  let id = await start();
  if (!id) {
    // Another run holds the watch. If its job is gone (process killed and job given up), close it and take over.
    const other = await deps.watches.runningRun(watch.id);
    const otherJob = other?.jobId ? await deps.jobs.get(other.jobId) : null;
    if (other && (!otherJob || (otherJob.status !== 'queued' && otherJob.status !== 'running'))) {
      await deps.db.transaction((tx) => deps.watches.finishRun(tx, other.id, 'failed', { code: 'JOB_FAILED', message: '运行中断 / run interrupted' }));
      id = await start();
    }
    if (!id) {
      await deps.jobs.succeed(deps.db, job.id, { skipped: 'another run of this watch is in progress', runId: other?.id ?? null });
      return null;
    }
  }
  const run = await deps.watches.runByJob(job.id);
  if (!run) throw new AppError('INTERNAL', `run ${id} vanished`);
  return run;
}

/** From the day before the last covered one (PubMed back-fills entry dates) — or the look-back on a first run — to today. */
export function windowOf(watch: Pick<Watch, 'coveredUntil' | 'lookbackDays'>, now: Date, timezone: string): { minDate: string; maxDate: string } {
  const today = localDay(now, timezone);
  const from = watch.coveredUntil ? addDays(watch.coveredUntil, -1) : addDays(today, -watch.lookbackDays);
  return { minDate: from, maxDate: today };
}

function localDay(d: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

function addDays(isoDay: string, n: number): string {
  const d = new Date(`${isoDay}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function slash(isoDay: string | null): string {
  return (isoDay ?? '').replace(/-/g, '/');
}
