import { isAppError, type Logger } from '../core/index.ts';
import type { JobQueue } from './job-queue.ts';
import type { Job } from './job.schema.ts';

export interface JobHandler {
  run(job: Job): Promise<void>;
  onError(job: Job, error: unknown): Promise<void>;
  /** After the job was quarantined (its worker died on every attempt): leave what it works on in a clear state. */
  onQuarantine?(job: Job): Promise<void>;
}

export interface JobRunnerOptions {
  /** Milliseconds between polls when idle. */
  pollMs?: number;
  /**
   * Fault injection for crash tests (YZ_FAULT): `job.sigkill:<kind>` kills this process with SIGKILL
   * right after it claims a job of that kind, as a document that crashes the parser would.
   */
  fault?: string;
  /** Runs after every job, whatever its outcome (embedded mode: the analyze half of autovacuum); a failure is logged. */
  afterJob?: () => Promise<unknown>;
}

/**
 * Runs leased jobs one at a time in this process. `start()` polls in the background (server);
 * `drain()` runs until nothing is claimable (CLI). `wake()` skips the poll delay after an enqueue.
 * While a handler runs, its lease is renewed every third of the lease period, so a long batch is not
 * taken for a dead worker's and run twice.
 */
export class JobRunner {
  private running = false;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private readonly listeners = new Set<(job: Job) => void>();

  private readonly pollMs: number;
  private readonly killKind: string | null;
  private readonly afterJob: (() => Promise<unknown>) | undefined;

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: Record<string, JobHandler>,
    private readonly log: Logger,
    opts: JobRunnerOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 1000;
    this.killKind = /^job\.sigkill:(.+)$/.exec(opts.fault ?? '')?.[1] ?? null;
    this.afterJob = opts.afterJob;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
  }

  wake(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  /** Subscribe to job completions (for CLI progress). */
  onFinished(fn: (job: Job) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Run claimable jobs until none is left and the background loop is idle; returns how many this call ran. */
  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      while (await this.runOne()) n++;
      // A job this runner's background loop claimed may still be running: wait for it, then look again.
      if (!this.running || !this.loop) return n;
      await this.loop;
    }
  }

  private schedule(ms: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.loop = this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      while (!this.stopped && (await this.runOne())) {
        // keep going while there is work
      }
    } catch (e) {
      this.log.error({ err: e }, 'job runner error');
    } finally {
      this.running = false;
      if (!this.stopped) this.schedule(this.pollMs);
    }
  }

  /**
   * Jobs whose worker died (from `JobQueue.reap`): logged, and a quarantined job's handler is told, so
   * e.g. its source shows as failed rather than pending forever.
   */
  async handleReaped(jobs: Job[]): Promise<void> {
    for (const j of jobs) {
      const fields = { jobId: j.id, kind: j.kind, attempts: j.attempts, maxAttempts: j.maxAttempts, crashes: j.crashes };
      if (j.status !== 'quarantined') {
        this.log.warn(fields, 'job worker died: re-queued as a suspect');
        continue;
      }
      this.log.error(fields, 'job quarantined: its worker died on every attempt');
      await this.handlers[j.kind]?.onQuarantine?.(j).catch((e) => this.log.warn({ jobId: j.id, err: e }, 'quarantine hook failed'));
    }
  }

  private async runOne(): Promise<boolean> {
    await this.handleReaped(await this.queue.reap());
    const job = await this.queue.claim(Object.keys(this.handlers));
    if (!job) return false;
    if (job.kind === this.killKind) process.kill(process.pid, 'SIGKILL');
    const handler = this.handlers[job.kind];
    const started = Date.now();
    const beat = setInterval(() => {
      this.queue.heartbeat(job.id).then(
        (held) => held || this.log.warn({ jobId: job.id, kind: job.kind }, 'job lease lost while running'),
        (e) => this.log.warn({ jobId: job.id, err: e }, 'job heartbeat failed'),
      );
    }, Math.max(250, (this.queue.leaseSeconds * 1000) / 3));
    beat.unref();
    try {
      await handler.run(job);
      this.log.info({ jobId: job.id, kind: job.kind, durationMs: Date.now() - started }, 'job finished');
    } catch (e) {
      if (isAppError(e) && e.code === 'LEASE_LOST') {
        // Another worker owns the job now: its outcome is theirs to write.
        this.log.warn({ jobId: job.id, kind: job.kind }, 'job lease lost: result discarded');
      } else {
        this.log.warn({ jobId: job.id, kind: job.kind, err: e }, 'job failed');
        await handler.onError(job, e);
      }
    } finally {
      clearInterval(beat);
      this.queue.release(job.id);
    }
    await this.afterJob?.().catch((e) => this.log.warn({ jobId: job.id, err: e }, 'after-job maintenance failed'));
    const final = await this.queue.get(job.id);
    if (final) for (const fn of this.listeners) fn(final);
    return true;
  }
}
