import { randomBytes } from 'node:crypto';
import { AppError, newId } from '../core/index.ts';
import type { Database, Queryable } from './database.ts';
import type { Job, JobStatus } from './job.schema.ts';

interface JobRowDb {
  id: string;
  kind: string;
  status: JobStatus;
  dedupe_key: string | null;
  payload: Record<string, unknown>;
  step: string | null;
  progress_done: number;
  progress_total: number;
  attempts: number;
  max_attempts: number;
  crashes: number;
  last_error: { code: string; message: string } | null;
  result: Record<string, unknown> | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toJob(r: JobRowDb): Job {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    dedupeKey: r.dedupe_key,
    payload: r.payload,
    step: r.step,
    progressDone: r.progress_done,
    progressTotal: r.progress_total,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    crashes: r.crashes ?? 0,
    lastError: r.last_error,
    result: r.result,
    createdAt: iso(r.created_at) as string,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    updatedAt: iso(r.updated_at) as string,
  };
}

/** Default lease: a worker that shows no life for this long is presumed dead (heartbeats renew it). */
export const DEFAULT_LEASE_SECONDS = 60;

/** What a dead worker leaves in `last_error`: a suspect while attempts remain, quarantined after. */
const CRASH_ERROR_SQL = `CASE WHEN attempts >= max_attempts
  THEN jsonb_build_object('code', 'JOB_QUARANTINED', 'message',
    '运行该任务的进程已 ' || (crashes + 1) || ' 次意外退出，任务已隔离；排查原因后可由管理员重试 / the worker died ' || (crashes + 1) ||
    ' time(s) while running this job: quarantined until an admin retries it')
  ELSE jsonb_build_object('code', 'WORKER_DIED', 'message',
    '运行该任务的进程意外退出（第 ' || (crashes + 1) || ' 次），将重试 / the worker running this job died (' || (crashes + 1) || ' time(s)); retrying')
  END`;

/**
 * Durable jobs in Postgres. Workers lease a job (`locked_until`, renewed by heartbeats) with
 * `FOR UPDATE SKIP LOCKED`, so several processes on a shared server never run the same job at once.
 *
 * Ownership: every claim draws a fresh lease token, kept in this instance and in the row. Completing,
 * failing, heartbeats and progress match that token, so a worker whose lease expired and was taken
 * over cannot write the job's outcome any more (`succeed` throws LEASE_LOST, rolling back the caller's
 * transaction; `fail` and `progress` report it). Handlers must therefore report through the same
 * JobQueue instance that claimed the job.
 *
 * Crashes: a job whose worker died (its lease expired, or in embedded mode it was found running at
 * start) has used the attempt its claim counted. It is re-queued as a suspect (`crashes` > 0) while
 * attempts remain, and quarantined once `max_attempts` is reached — a document that kills the worker
 * is tried `max_attempts` times, not forever. Job handlers must be idempotent per step.
 */
export class JobQueue {
  /** Lease tokens of the jobs this instance holds, by job id. */
  private readonly leases = new Map<string, string>();

  constructor(
    private readonly db: Database,
    readonly workerId = `w_${process.pid}_${newId('').slice(1)}`,
    readonly leaseSeconds = DEFAULT_LEASE_SECONDS,
  ) {}

  /**
   * Enqueue; with a dedupe key an existing job is returned instead of a second one. With
   * `rerunFinished`, an existing job that has finished is queued again (work that must be redone,
   * e.g. embeddings after a model change), while one still queued or running is left alone.
   */
  async enqueue(
    tx: Queryable,
    kind: string,
    payload: Record<string, unknown>,
    opts: { dedupeKey?: string; maxAttempts?: number; rerunFinished?: boolean; runAfter?: Date } = {},
  ): Promise<Job> {
    const [job] = await this.enqueueMany(tx, kind, [{ payload, dedupeKey: opts.dedupeKey, runAfter: opts.runAfter }], opts);
    return job;
  }

  /** Enqueue many jobs of one kind in one statement (bulk imports); same dedupe semantics as enqueue. Order of the result is not the input's. */
  async enqueueMany(
    tx: Queryable,
    kind: string,
    items: ReadonlyArray<{ payload: Record<string, unknown>; dedupeKey?: string; runAfter?: Date }>,
    opts: { maxAttempts?: number; rerunFinished?: boolean } = {},
  ): Promise<Job[]> {
    if (!items.length) return [];
    const { rows } = await tx.query<JobRowDb>(
      `INSERT INTO jobs (id, kind, payload, dedupe_key, max_attempts, run_after)
       SELECT i.id, $2, i.payload, i.dedupe_key, $3, coalesce(i.run_after, now())
       FROM unnest($1::text[], $5::jsonb[], $6::text[], $7::timestamptz[]) AS i(id, payload, dedupe_key, run_after)
       ON CONFLICT (dedupe_key) DO UPDATE SET
         status = CASE WHEN $4 AND jobs.status IN ('succeeded', 'failed', 'cancelled') THEN 'queued' ELSE jobs.status END,
         attempts = CASE WHEN $4 AND jobs.status IN ('succeeded', 'failed', 'cancelled') THEN 0 ELSE jobs.attempts END,
         run_after = CASE WHEN $4 AND jobs.status IN ('succeeded', 'failed', 'cancelled') THEN now() ELSE jobs.run_after END,
         -- A re-run starts from the beginning: progress belongs to one run.
         progress_done = CASE WHEN $4 AND jobs.status IN ('succeeded', 'failed', 'cancelled') THEN 0 ELSE jobs.progress_done END,
         payload = CASE WHEN $4 AND jobs.status IN ('succeeded', 'failed', 'cancelled') THEN EXCLUDED.payload ELSE jobs.payload END,
         updated_at = now()
       RETURNING *`,
      [
        items.map(() => newId('job')), kind, opts.maxAttempts ?? 3, opts.rerunFinished ?? false,
        items.map((i) => JSON.stringify(i.payload)), items.map((i) => i.dedupeKey ?? null), items.map((i) => i.runAfter?.toISOString() ?? null),
      ],
    );
    return rows.map(toJob);
  }

  /**
   * Lease the oldest queued, due job of the given kinds, or null. A job whose attempts are used up is
   * never claimed. Jobs held under an expired lease come back to the queue through `reap()` (the runner
   * reaps before each claim).
   */
  async claim(kinds: string[], leaseSeconds = this.leaseSeconds): Promise<Job | null> {
    const token = randomBytes(12).toString('hex');
    const { rows } = await this.db.query<JobRowDb>(
      `UPDATE jobs SET status = 'running', locked_by = $1, lease_token = $4, locked_until = now() + make_interval(secs => $2),
              attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now()
       WHERE id = (
         SELECT id FROM jobs
         WHERE kind = ANY($3::text[]) AND run_after <= now() AND status = 'queued' AND attempts < max_attempts
         ORDER BY created_at
         FOR UPDATE SKIP LOCKED
         LIMIT 1)
       RETURNING *`,
      [this.workerId, leaseSeconds, kinds, token],
    );
    if (!rows[0]) return null;
    this.leases.set(rows[0].id, token);
    return toJob(rows[0]);
  }

  /**
   * Jobs whose worker died: every running job whose lease has expired, or with `all` every running job
   * (embedded mode at start, where this process holds the data-directory lock, so no other can run one).
   * Each counts a crash; it is re-queued as a suspect while attempts remain, else quarantined. Returns them.
   */
  async reap(opts: { all?: boolean } = {}): Promise<Job[]> {
    const { rows } = await this.db.query<JobRowDb>(
      `UPDATE jobs SET
         status = CASE WHEN attempts >= max_attempts THEN 'quarantined' ELSE 'queued' END,
         finished_at = CASE WHEN attempts >= max_attempts THEN now() ELSE NULL END,
         last_error = ${CRASH_ERROR_SQL},
         crashes = crashes + 1, locked_by = NULL, lease_token = NULL, locked_until = NULL, updated_at = now()
       WHERE id IN (SELECT id FROM jobs WHERE status = 'running' AND ($1 OR locked_until < now()) FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [opts.all ?? false],
    );
    return rows.map(toJob);
  }

  /** At start in embedded mode: every `running` job belongs to a dead process (see reap). */
  releaseOrphans(): Promise<Job[]> {
    return this.reap({ all: true });
  }

  /** Whether this instance holds the job's lease. */
  holds(id: string): boolean {
    return this.leases.has(id);
  }

  /** Forget a lease (the runner calls it when a handler returns). */
  release(id: string): void {
    this.leases.delete(id);
  }

  /** Renew the lease of a job this instance holds; false when it was lost (taken over, cancelled, finished). */
  async heartbeat(id: string, leaseSeconds = this.leaseSeconds): Promise<boolean> {
    const token = this.leases.get(id);
    if (!token) return false;
    const { rowCount } = await this.db.query(
      `UPDATE jobs SET locked_until = now() + make_interval(secs => $3) WHERE id = $1 AND lease_token = $2 AND status = 'running'`,
      [id, token, leaseSeconds],
    );
    return rowCount > 0;
  }

  /** Record progress and extend the lease; false when the job was cancelled meanwhile or its lease lost. */
  async progress(tx: Queryable, id: string, step: string, done: number, total: number, leaseSeconds = this.leaseSeconds): Promise<boolean> {
    const { rows } = await tx.query<{ status: JobStatus }>(
      `UPDATE jobs SET step = $2, progress_done = $3, progress_total = $4, updated_at = now(),
              locked_until = now() + make_interval(secs => $5)
       WHERE id = $1 AND lease_token = $6 AND status = 'running' RETURNING status`,
      [id, step, done, total, leaseSeconds, this.leases.get(id) ?? null],
    );
    return rows[0]?.status === 'running';
  }

  /** Complete a job this instance holds. Throws LEASE_LOST otherwise, so the caller's transaction rolls back. */
  async succeed(tx: Queryable, id: string, result: Record<string, unknown>): Promise<void> {
    const { rowCount } = await tx.query(
      `UPDATE jobs SET status = 'succeeded', result = $2::jsonb, last_error = NULL, locked_by = NULL, locked_until = NULL, lease_token = NULL,
              finished_at = now(), updated_at = now() WHERE id = $1 AND lease_token = $3 AND status = 'running'`,
      [id, JSON.stringify(result), this.leases.get(id) ?? null],
    );
    if (!rowCount) throw leaseLost(id);
  }

  /**
   * Retry later with backoff while attempts remain; `permanent` errors (bad input) fail at once.
   * Null when this instance does not hold the job's lease (nothing is changed then).
   */
  async fail(id: string, error: { code: string; message: string }, permanent: boolean): Promise<Job | null> {
    const { rows } = await this.db.query<JobRowDb>(
      `UPDATE jobs SET
         status = CASE WHEN $3 OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
         run_after = now() + make_interval(secs => least(300, 2 ^ attempts)),
         finished_at = CASE WHEN $3 OR attempts >= max_attempts THEN now() ELSE NULL END,
         last_error = $2::jsonb, locked_by = NULL, locked_until = NULL, lease_token = NULL, updated_at = now()
       WHERE id = $1 AND lease_token = $4 AND status = 'running' RETURNING *`,
      [id, JSON.stringify(error), permanent, this.leases.get(id) ?? null],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** An admin's retry of a failed, cancelled or quarantined job: attempts and crash count start again. */
  async retry(id: string, q: Queryable = this.db): Promise<Job | null> {
    const { rows } = await q.query<JobRowDb>(
      `UPDATE jobs SET status = 'queued', attempts = 0, crashes = 0, run_after = now(), finished_at = NULL, updated_at = now()
       WHERE id = $1 AND status IN ('failed', 'cancelled', 'quarantined') RETURNING *`,
      [id],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** Cancel a queued or running job; null when it already finished (or is absent). */
  async cancel(id: string, q: Queryable = this.db): Promise<Job | null> {
    const { rows } = await q.query<JobRowDb>(
      `UPDATE jobs SET status = 'cancelled', locked_by = NULL, locked_until = NULL, lease_token = NULL, finished_at = now(), updated_at = now()
       WHERE id = $1 AND status IN ('queued', 'running') RETURNING *`,
      [id],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** Cancel queued (not yet started) jobs of a kind whose payload contains `match`, e.g. a deleted watch's schedule. */
  async cancelQueued(tx: Queryable, kind: string, match: Record<string, unknown>): Promise<number> {
    const { rowCount } = await tx.query(
      `UPDATE jobs SET status = 'cancelled', finished_at = now(), updated_at = now()
       WHERE kind = $1 AND status = 'queued' AND payload @> $2::jsonb`,
      [kind, JSON.stringify(match)],
    );
    return rowCount;
  }

  async get(id: string): Promise<Job | null> {
    const { rows } = await this.db.query<JobRowDb>('SELECT * FROM jobs WHERE id = $1', [id]);
    return rows[0] ? toJob(rows[0]) : null;
  }

  async list(opts: { status?: JobStatus; kind?: string; limit?: number } = {}): Promise<Job[]> {
    const { rows } = await this.db.query<JobRowDb>(
      `SELECT * FROM jobs WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2)
       ORDER BY created_at DESC LIMIT $3`,
      [opts.status ?? null, opts.kind ?? null, opts.limit ?? 100],
    );
    return rows.map(toJob);
  }

  /** Counts by status, for readiness and the jobs page. */
  async counts(): Promise<Record<JobStatus, number>> {
    const { rows } = await this.db.query<{ status: JobStatus; n: number }>('SELECT status, count(*)::int AS n FROM jobs GROUP BY status');
    const out = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, quarantined: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}

function leaseLost(id: string): AppError {
  return new AppError('LEASE_LOST', `任务 ${id} 的租约已失效（已被其他进程接管、取消或结束）/ lease on job ${id} lost: taken over, cancelled or finished`, {
    field: 'id', details: { jobId: id },
  });
}
