import { newId } from '../core/index.ts';
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
    lastError: r.last_error,
    result: r.result,
    createdAt: iso(r.created_at) as string,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    updatedAt: iso(r.updated_at) as string,
  };
}

/**
 * Durable jobs in Postgres. Workers lease a job (`locked_until`) with `FOR UPDATE SKIP LOCKED`, so
 * several processes on a shared server never run the same job; a worker that dies loses its lease
 * and the job is picked up again. Job handlers must therefore be idempotent per step.
 */
export class JobQueue {
  constructor(
    private readonly db: Database,
    readonly workerId = `w_${process.pid}_${newId('').slice(1)}`,
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

  /** Lease the oldest runnable job of the given kinds, or null. */
  async claim(kinds: string[], leaseSeconds = 60): Promise<Job | null> {
    const { rows } = await this.db.query<JobRowDb>(
      `UPDATE jobs SET status = 'running', locked_by = $1, locked_until = now() + make_interval(secs => $2),
              attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now()
       WHERE id = (
         SELECT id FROM jobs
         WHERE kind = ANY($3::text[]) AND run_after <= now()
           AND (status = 'queued' OR (status = 'running' AND locked_until < now()))
         ORDER BY created_at
         FOR UPDATE SKIP LOCKED
         LIMIT 1)
       RETURNING *`,
      [this.workerId, leaseSeconds, kinds],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /**
   * Release leases held by workers that can no longer exist. In embedded mode this process holds
   * the data-directory lock, so any `running` job found at start belongs to a dead process.
   */
  async releaseOrphans(): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE jobs SET status = 'queued', locked_by = NULL, locked_until = NULL, updated_at = now()
       WHERE status = 'running'`,
    );
    return rowCount;
  }

  /** Record progress and extend the lease; false when the job was cancelled meanwhile. */
  async progress(tx: Queryable, id: string, step: string, done: number, total: number, leaseSeconds = 60): Promise<boolean> {
    const { rows } = await tx.query<{ status: JobStatus }>(
      `UPDATE jobs SET step = $2, progress_done = $3, progress_total = $4, updated_at = now(),
              locked_until = CASE WHEN status = 'running' THEN now() + make_interval(secs => $5) ELSE locked_until END
       WHERE id = $1 RETURNING status`,
      [id, step, done, total, leaseSeconds],
    );
    return rows[0]?.status === 'running';
  }

  async succeed(tx: Queryable, id: string, result: Record<string, unknown>): Promise<void> {
    await tx.query(
      `UPDATE jobs SET status = 'succeeded', result = $2::jsonb, last_error = NULL, locked_by = NULL, locked_until = NULL,
              finished_at = now(), updated_at = now() WHERE id = $1`,
      [id, JSON.stringify(result)],
    );
  }

  /** Retry later with backoff while attempts remain; `permanent` errors (bad input) fail at once. */
  async fail(id: string, error: { code: string; message: string }, permanent: boolean): Promise<Job | null> {
    const { rows } = await this.db.query<JobRowDb>(
      `UPDATE jobs SET
         status = CASE WHEN $3 OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
         run_after = now() + make_interval(secs => least(300, 2 ^ attempts)),
         finished_at = CASE WHEN $3 OR attempts >= max_attempts THEN now() ELSE NULL END,
         last_error = $2::jsonb, locked_by = NULL, locked_until = NULL, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, JSON.stringify(error), permanent],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** Re-queue a failed or cancelled job; null when it is not in such a state (or absent). */
  async retry(id: string, q: Queryable = this.db): Promise<Job | null> {
    const { rows } = await q.query<JobRowDb>(
      `UPDATE jobs SET status = 'queued', attempts = 0, run_after = now(), finished_at = NULL, updated_at = now()
       WHERE id = $1 AND status IN ('failed', 'cancelled') RETURNING *`,
      [id],
    );
    return rows[0] ? toJob(rows[0]) : null;
  }

  /** Cancel a queued or running job; null when it already finished (or is absent). */
  async cancel(id: string, q: Queryable = this.db): Promise<Job | null> {
    const { rows } = await q.query<JobRowDb>(
      `UPDATE jobs SET status = 'cancelled', locked_by = NULL, locked_until = NULL, finished_at = now(), updated_at = now()
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
    const out = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
