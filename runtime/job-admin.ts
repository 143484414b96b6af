import { AuditLog } from '../audit/index.ts';
import type { Database, Job, JobQueue, Queryable } from '../store/index.ts';

/**
 * What people do to jobs (retry, cancel), with the actor on the audit log in the same transaction.
 * The job queue itself (store/) stays below the audit capability; this is its one audited face.
 */
export class JobAdmin {
  private readonly audit = new AuditLog();

  constructor(
    private readonly db: Database,
    private readonly jobs: JobQueue,
  ) {}

  /** Re-queue a failed or cancelled job; null when it is in no such state (or absent). */
  retry(id: string, actor: string): Promise<Job | null> {
    return this.change(id, actor, 'job.retry', (tx) => this.jobs.retry(id, tx));
  }

  /** Cancel a queued or running job; null when it already finished (or is absent). */
  cancel(id: string, actor: string): Promise<Job | null> {
    return this.change(id, actor, 'job.cancel', (tx) => this.jobs.cancel(id, tx));
  }

  private change(id: string, actor: string, action: 'job.retry' | 'job.cancel', fn: (tx: Queryable) => Promise<Job | null>): Promise<Job | null> {
    return this.db.transaction(async (tx) => {
      const job = await fn(tx);
      if (job) await this.audit.append(tx, { actor, action, target: id, details: { kind: job.kind, status: job.status } });
      return job;
    });
  }
}
