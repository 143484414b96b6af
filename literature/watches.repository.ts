import { AppError, newId } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import type { Run, Watch, WatchInput } from './watch.schema.ts';

interface WatchRowDb {
  id: string;
  name: string;
  query: string;
  mesh_terms: string[];
  journals: string[];
  languages: string[];
  lookback_days: number;
  cron: string;
  max_records: number;
  enabled: boolean;
  covered_until: Date | string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  next_run_at: Date | null;
}

interface RunRowDb {
  id: string;
  watch_id: string | null;
  job_id: string | null;
  trigger: Run['trigger'];
  status: Run['status'];
  term: string;
  min_date: Date | string | null;
  max_date: Date | string | null;
  total: number | null;
  fetched: number;
  new_records: number;
  updated: number;
  unchanged: number;
  retracted: number;
  skipped: number;
  triples: number;
  web_env: string | null;
  query_key: string | null;
  error: Run['error'];
  attempts: number;
  started_at: Date;
  finished_at: Date | null;
}

/** A run's counts that an import batch adds to. */
export interface RunCounts {
  fetched: number;
  newRecords: number;
  updated: number;
  unchanged: number;
  retracted: number;
  skipped: number;
}

const day = (d: Date | string | null) => (d === null ? null : typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

// Triples proposed by a run: candidates carry the run's tag (see runTag).
const RUN_SELECT = `SELECT r.*, (SELECT count(*)::int FROM kg_candidates c WHERE ('pubmed_run:' || r.id) = ANY(c.tags)) AS triples FROM pubmed_runs r`;

const WATCH_SELECT = `SELECT w.*, (SELECT min(j.run_after) FROM jobs j WHERE j.kind = 'pubmed.watch' AND j.status = 'queued'
                        AND j.payload->>'watchId' = w.id AND j.payload->>'trigger' = 'schedule') AS next_run_at
                      FROM pubmed_watches w`;

export function runTag(runId: string): string {
  return `pubmed_run:${runId}`;
}

function toRun(r: RunRowDb): Run {
  return {
    id: r.id, watchId: r.watch_id, jobId: r.job_id, trigger: r.trigger, status: r.status, term: r.term,
    minDate: day(r.min_date), maxDate: day(r.max_date), total: r.total, fetched: r.fetched, newRecords: r.new_records,
    updated: r.updated, unchanged: r.unchanged, retracted: r.retracted, skipped: r.skipped, triplesProposed: r.triples ?? 0,
    error: r.error, attempts: r.attempts, startedAt: new Date(r.started_at).toISOString(), finishedAt: iso(r.finished_at),
  };
}

function toWatch(r: WatchRowDb, lastRun: Run | null): Watch {
  return {
    id: r.id, name: r.name, query: r.query, meshTerms: r.mesh_terms, journals: r.journals, languages: r.languages,
    lookbackDays: r.lookback_days, cron: r.cron, maxRecords: r.max_records, enabled: r.enabled, coveredUntil: day(r.covered_until),
    createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString(),
    nextRunAt: r.enabled ? iso(r.next_run_at) : null, lastRun,
  };
}

/** SQL for watches and their runs. */
export class WatchesRepository {
  constructor(private readonly db: Database) {}

  async create(tx: Queryable, input: WatchInput, actor: string): Promise<string> {
    const id = newId('wat');
    try {
      await tx.query(
        `INSERT INTO pubmed_watches (id, name, query, mesh_terms, journals, languages, lookback_days, cron, max_records, enabled, created_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
        [id, input.name, input.query, input.meshTerms, input.journals, input.languages, input.lookbackDays, input.cron, input.maxRecords, input.enabled, actor],
      );
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new AppError('STATE_CONFLICT', `已有同名订阅“${input.name}” / a watch named "${input.name}" exists`, { field: 'name' });
      throw e;
    }
    return id;
  }

  async update(tx: Queryable, id: string, input: WatchInput): Promise<void> {
    const { rowCount } = await tx.query(
      `UPDATE pubmed_watches SET name=$2, query=$3, mesh_terms=$4, journals=$5, languages=$6, lookback_days=$7, cron=$8, max_records=$9,
              enabled=$10, updated_at=now() WHERE id=$1`,
      [id, input.name, input.query, input.meshTerms, input.journals, input.languages, input.lookbackDays, input.cron, input.maxRecords, input.enabled],
    );
    if (!rowCount) throw notFound(id);
  }

  async delete(tx: Queryable, id: string): Promise<void> {
    const { rowCount } = await tx.query('DELETE FROM pubmed_watches WHERE id = $1', [id]);
    if (!rowCount) throw notFound(id);
  }

  async get(id: string, q: Queryable = this.db): Promise<Watch> {
    const { rows } = await q.query<WatchRowDb>(`${WATCH_SELECT} WHERE w.id = $1`, [id]);
    if (!rows[0]) throw notFound(id);
    const [last] = await this.runs({ watchId: id, limit: 1 }, q);
    return toWatch(rows[0], last ?? null);
  }

  async list(): Promise<Watch[]> {
    const { rows } = await this.db.query<WatchRowDb>(`${WATCH_SELECT} ORDER BY w.created_at`);
    const { rows: last } = await this.db.query<RunRowDb>(
      `${RUN_SELECT} WHERE r.id IN (SELECT DISTINCT ON (watch_id) id FROM pubmed_runs WHERE watch_id IS NOT NULL ORDER BY watch_id, started_at DESC)`,
    );
    const byWatch = new Map(last.map((r) => [r.watch_id, toRun(r)]));
    return rows.map((r) => toWatch(r, byWatch.get(r.id) ?? null));
  }

  async setCoveredUntil(tx: Queryable, id: string, until: string): Promise<void> {
    await tx.query('UPDATE pubmed_watches SET covered_until = greatest(coalesce(covered_until, $2::date), $2::date) WHERE id = $1', [id, until]);
  }

  // ---- runs ----

  /**
   * Start a run; null when another run of the same watch is already running (the unique index decides).
   * `owner` names the process running it (its job worker id); `heartbeat_at` starts now.
   */
  async startRun(
    tx: Queryable,
    r: { watchId: string | null; jobId: string | null; trigger: Run['trigger']; term: string; minDate?: string | null; maxDate?: string | null; owner?: string },
  ): Promise<string | null> {
    const id = newId('run');
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO pubmed_runs (id, watch_id, job_id, trigger, term, min_date, max_date, attempts, owner, heartbeat_at) VALUES ($1,$2,$3,$4,$5,$6,$7,1,$8,now())
       ON CONFLICT (watch_id) WHERE status = 'running' AND watch_id IS NOT NULL DO NOTHING RETURNING id`,
      [id, r.watchId, r.jobId, r.trigger, r.term, r.minDate ?? null, r.maxDate ?? null, r.owner ?? null],
    );
    return rows[0]?.id ?? null;
  }

  /** The process running this run is alive. */
  async heartbeatRun(id: string): Promise<void> {
    await this.db.query(`UPDATE pubmed_runs SET heartbeat_at = now() WHERE id = $1 AND status = 'running'`, [id]);
  }

  /**
   * Close runs whose process died, as failed with RUN_INTERRUPTED: a run with a job whose job is no
   * longer queued or running (failed, cancelled, quarantined, or gone), and a run without one (a file
   * import in a CLI or API process) whose heartbeat is older than `staleSeconds` — or, with `all`, every
   * such run (embedded mode at start: this process holds the data directory, so no other is importing).
   */
  async closeInterrupted(opts: { all: boolean; staleSeconds: number }): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE pubmed_runs r SET status = 'failed', finished_at = now(),
              error = jsonb_build_object('code', 'RUN_INTERRUPTED', 'message', '运行中断：执行它的进程已退出 / run interrupted: the process running it died')
       WHERE r.status = 'running' AND (
         (r.job_id IS NULL AND ($1 OR coalesce(r.heartbeat_at, r.started_at) < now() - make_interval(secs => $2)))
         OR (r.job_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = r.job_id AND j.status IN ('queued', 'running'))))
       RETURNING r.id`,
      [opts.all, opts.staleSeconds],
    );
    return rows.map((r) => r.id);
  }

  async runningRun(watchId: string): Promise<Run | null> {
    const { rows } = await this.db.query<RunRowDb>(`${RUN_SELECT} WHERE r.watch_id = $1 AND r.status = 'running'`, [watchId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async runByJob(jobId: string): Promise<(Run & { webEnv: string | null; queryKey: string | null }) | null> {
    const { rows } = await this.db.query<RunRowDb>(`${RUN_SELECT} WHERE r.job_id = $1 AND r.status = 'running' ORDER BY r.started_at DESC LIMIT 1`, [jobId]);
    return rows[0] ? { ...toRun(rows[0]), webEnv: rows[0].web_env, queryKey: rows[0].query_key } : null;
  }

  async getRun(id: string, q: Queryable = this.db): Promise<Run> {
    const { rows } = await q.query<RunRowDb>(`${RUN_SELECT} WHERE r.id = $1`, [id]);
    if (!rows[0]) throw new AppError('NOT_FOUND', `没有这次运行 / no run ${id}`, { field: 'runId' });
    return toRun(rows[0]);
  }

  async runs(f: { watchId?: string; limit?: number } = {}, q: Queryable = this.db): Promise<Run[]> {
    const { rows } = await q.query<RunRowDb>(
      `${RUN_SELECT} WHERE ($1::text IS NULL OR r.watch_id = $1) ORDER BY r.started_at DESC, r.id DESC LIMIT $2`,
      [f.watchId ?? null, f.limit ?? 50],
    );
    return rows.map(toRun);
  }

  async setHistory(id: string, h: { webEnv: string; queryKey: string; total: number }): Promise<void> {
    await this.db.query('UPDATE pubmed_runs SET web_env = $2, query_key = $3, total = $4 WHERE id = $1', [id, h.webEnv, h.queryKey, h.total]);
  }

  /** A run resumed by a retried job: count the attempt, keep the progress. */
  async resumeRun(id: string): Promise<void> {
    await this.db.query('UPDATE pubmed_runs SET attempts = attempts + 1, error = NULL WHERE id = $1', [id]);
  }

  async addCounts(tx: Queryable, id: string, c: RunCounts): Promise<void> {
    await tx.query(
      `UPDATE pubmed_runs SET fetched = fetched + $2, new_records = new_records + $3, updated = updated + $4, unchanged = unchanged + $5,
              retracted = retracted + $6, skipped = skipped + $7 WHERE id = $1`,
      [id, c.fetched, c.newRecords, c.updated, c.unchanged, c.retracted, c.skipped],
    );
  }

  async recordError(id: string, error: { code: string; message: string }): Promise<void> {
    await this.db.query('UPDATE pubmed_runs SET error = $2::jsonb WHERE id = $1', [id, JSON.stringify(error)]);
  }

  async finishRun(tx: Queryable, id: string, status: 'succeeded' | 'failed', error: { code: string; message: string } | null = null): Promise<void> {
    await tx.query('UPDATE pubmed_runs SET status = $2, error = coalesce($3::jsonb, error), finished_at = now() WHERE id = $1', [
      id, status, error ? JSON.stringify(error) : null,
    ]);
  }
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `没有这个文献订阅 / no watch ${id}`, { field: 'watchId' });
}
