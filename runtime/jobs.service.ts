import { AuditLog } from '../audit/index.ts';
import { AppError } from '../core/index.ts';
import type { Database, Job, JobListFilter, JobQueue, JobRunner, JobStatus, Queryable } from '../store/index.ts';

export interface JobsServiceDeps {
  db: Database;
  jobs: JobQueue;
  runner: JobRunner;
  /** Bring the graph up to date (after a drain: the jobs may have approved or retired relations). */
  catchUpGraph: () => Promise<void>;
}

/**
 * The jobs use cases: read the queue, retry and cancel by people (audited in the same transaction), wake and
 * drain the workers. Faces never hold the queue or the runner; whatever queues work wakes them through here.
 */
export class JobsService {
  private readonly audit = new AuditLog();

  constructor(private readonly deps: JobsServiceDeps) {}

  list(filter: JobListFilter & { limit?: number; offset?: number } = {}): Promise<Job[]> {
    return this.deps.jobs.list(filter);
  }

  total(filter: JobListFilter = {}): Promise<number> {
    return this.deps.jobs.total(filter);
  }

  counts(opts: { excludeKinds?: string[] } = {}): Promise<Record<JobStatus, number>> {
    return this.deps.jobs.counts(opts);
  }

  get(id: string): Promise<Job | null> {
    return this.deps.jobs.get(id);
  }

  /** Re-queue a failed, cancelled or quarantined job (audited) and wake the workers; NOT_FOUND / STATE_CONFLICT otherwise. */
  async retry(id: string, actor: string): Promise<Job> {
    const job = await this.change(id, actor, 'job.retry', (tx) => this.deps.jobs.retry(id, tx));
    if (!job) return this.conflictOrMissing(id, '只有失败、已取消或已隔离的任务可以重试 / only failed, cancelled or quarantined jobs can be retried');
    this.deps.runner.wake();
    return job;
  }

  /** Cancel a queued or running job (audited); NOT_FOUND / STATE_CONFLICT when absent or finished. */
  async cancel(id: string, actor: string): Promise<Job> {
    const job = await this.change(id, actor, 'job.cancel', (tx) => this.deps.jobs.cancel(id, tx));
    return job ?? this.conflictOrMissing(id, '任务已结束，无法取消 / job already finished');
  }

  /** Tell the workers there is work (anything that queued a job outside a service calls this). */
  wake(): void {
    this.deps.runner.wake();
  }

  /** Call `fn` for every job this process finishes; returns the unsubscribe function. */
  onFinished(fn: (job: Job) => void): () => void {
    return this.deps.runner.onFinished(fn);
  }

  /**
   * Run every queued job to completion in this process (the CLI's way of working), then bring the graph up to
   * date; `onProgress` gets the summed progress of `watch` (job ids) every 200 ms.
   */
  async drain(opts: { watch?: string[]; onProgress?: (done: number, total: number) => void } = {}): Promise<void> {
    const { watch, onProgress } = opts;
    const timer =
      watch && onProgress
        ? setInterval(async () => {
            const jobs = await Promise.all(watch.map((id) => this.deps.jobs.get(id)));
            onProgress(jobs.reduce((n, j) => n + (j?.progressDone ?? 0), 0), Math.max(1, jobs.reduce((n, j) => n + (j?.progressTotal ?? 0), 0)));
          }, 200)
        : undefined;
    try {
      await this.deps.runner.drain();
    } finally {
      clearInterval(timer);
    }
    await this.deps.catchUpGraph();
  }

  private change(id: string, actor: string, action: 'job.retry' | 'job.cancel', fn: (tx: Queryable) => Promise<Job | null>): Promise<Job | null> {
    return this.deps.db.transaction(async (tx) => {
      const job = await fn(tx);
      if (job) await this.audit.append(tx, { actor, action, target: id, details: { kind: job.kind, status: job.status } });
      return job;
    });
  }

  private async conflictOrMissing(id: string, conflictMessage: string): Promise<never> {
    const exists = await this.deps.jobs.get(id);
    if (!exists) throw new AppError('NOT_FOUND', `任务不存在 / unknown job ${id}`, { field: 'id' });
    throw new AppError('STATE_CONFLICT', `${conflictMessage} (${exists.status})`, { field: 'id', details: { status: exists.status } });
  }
}
