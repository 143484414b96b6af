import type { Logger } from '../core/index.ts';
import type { JobQueue } from './job-queue.ts';
import type { Job } from './job.schema.ts';

export interface JobHandler {
  run(job: Job): Promise<void>;
  onError(job: Job, error: unknown): Promise<void>;
}

/**
 * Runs leased jobs one at a time in this process. `start()` polls in the background (server);
 * `drain()` runs until nothing is claimable (CLI). `wake()` skips the poll delay after an enqueue.
 */
export class JobRunner {
  private running = false;
  private stopped = true;
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private readonly listeners = new Set<(job: Job) => void>();

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: Record<string, JobHandler>,
    private readonly log: Logger,
    private readonly pollMs = 1000,
  ) {}

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

  /** Run claimable jobs until none is left; returns how many ran. */
  async drain(): Promise<number> {
    let n = 0;
    while (await this.runOne()) n++;
    return n;
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

  private async runOne(): Promise<boolean> {
    const job = await this.queue.claim(Object.keys(this.handlers));
    if (!job) return false;
    const handler = this.handlers[job.kind];
    const started = Date.now();
    try {
      await handler.run(job);
      this.log.info({ jobId: job.id, kind: job.kind, durationMs: Date.now() - started }, 'job finished');
    } catch (e) {
      this.log.warn({ jobId: job.id, kind: job.kind, err: e }, 'job failed');
      await handler.onError(job, e);
    }
    const final = await this.queue.get(job.id);
    if (final) for (const fn of this.listeners) fn(final);
    return true;
  }
}
