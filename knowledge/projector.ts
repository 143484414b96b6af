import { z } from 'zod';
import { AppError, type Logger } from '../core/index.ts';
import { type GraphEvent, GraphEventSchema, type GraphStore } from '../graph/index.ts';
import type { Database } from '../store/index.ts';
import { OutboxRepository } from './outbox.repository.ts';

const BATCH = 2000;

export const ProjectionStatusSchema = z.object({
  store: z.enum(['postgres', 'neo4j']),
  lastSeq: z.number(),
  headSeq: z.number(),
  pending: z.number(),
  lastError: z.string().nullable(),
  errorAt: z.string().nullable(),
});
export type ProjectionStatus = z.infer<typeof ProjectionStatusSchema>;

/** Among every process on the database, one projector at a time applies events to a graph store. */
const lockName = (store: string) => `graph-projector:${store}`;

/**
 * Applies outbox events to a graph store in order. Delivery is at-least-once (the cursor moves after
 * the store has applied a batch) and every event is idempotent, so a crash or an unreachable Neo4j
 * loses nothing: events wait in the outbox and the projector catches up when the store returns.
 *
 * Many processes (an API and several workers on one PostgreSQL) each run a projector: a database lock
 * (Database.withLock) makes one of them the single writer at a time, the cursor is read inside the lock,
 * and it only ever moves forward (GREATEST), so two projectors never interleave batches and a slow one
 * can never wind the cursor back over events another has applied. The background loop skips a turn while
 * another process holds the lock; `catchUp()` waits for it, so a caller sees its own approvals applied.
 */
export class GraphProjector {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  private failures = 0;
  private storeReady = false;
  private readonly outbox: OutboxRepository;

  constructor(
    private readonly db: Database,
    readonly store: GraphStore,
    private readonly log: Logger,
  ) {
    this.outbox = new OutboxRepository(db);
  }

  /** Apply every pending event; throws GRAPH_UNAVAILABLE (cursor unchanged) when the store fails. */
  async catchUp(): Promise<{ applied: number; lastSeq: number }> {
    const r = await this.exclusive(() => this.applyPending(), true);
    return r ?? { applied: 0, lastSeq: await this.cursor() };
  }

  /** Run `work` holding this process's turn and the database lock; null when `wait` is false and another process holds it. */
  private async exclusive<T>(work: () => Promise<T>, wait: boolean): Promise<T | null> {
    while (this.running) await this.running.catch(() => {});
    const run = this.db.withLock(lockName(this.store.kind), work, { wait });
    this.running = run;
    try {
      const r = await run;
      return r.acquired ? r.value : null;
    } finally {
      if (this.running === run) this.running = null;
    }
  }

  private async applyPending(): Promise<{ applied: number; lastSeq: number }> {
    let lastSeq = await this.cursor();
    let applied = 0;
    for (;;) {
      const rows = await this.outbox.eventsAfter(lastSeq, BATCH);
      if (!rows.length) break;
      const events: GraphEvent[] = rows.map((r) => GraphEventSchema.parse(r.event));
      const upto = rows[rows.length - 1].seq;
      try {
        if (!this.storeReady) {
          await this.store.init();
          this.storeReady = true;
        }
        await this.store.apply(events);
      } catch (e) {
        const message = (e as Error)?.message ?? String(e);
        await this.outbox.recordError(this.store.kind, lastSeq, message);
        throw new AppError('GRAPH_UNAVAILABLE', `图数据库 ${this.store.kind} 暂不可用，事件已保留待重试 / graph store unavailable: ${message}`);
      }
      await this.outbox.advance(this.store.kind, upto);
      lastSeq = upto;
      applied += events.length;
    }
    return { applied, lastSeq };
  }

  private cursor(): Promise<number> {
    return this.outbox.cursor(this.store.kind);
  }

  /** Replay the whole outbox into an emptied store (`yingzhi graph rebuild`), holding the projector lock throughout. */
  async rebuild(): Promise<{ applied: number; lastSeq: number }> {
    const r = await this.exclusive(async () => {
      try {
        await this.store.init();
        this.storeReady = true;
        await this.store.clear();
      } catch (e) {
        throw new AppError('GRAPH_UNAVAILABLE', `图数据库 ${this.store.kind} 暂不可用 / graph store unavailable: ${(e as Error).message}`);
      }
      // The one place the cursor goes back: an emptied store starts from the first event.
      await this.outbox.rewind(this.store.kind);
      return this.applyPending();
    }, true);
    return r ?? { applied: 0, lastSeq: await this.cursor() };
  }

  async status(): Promise<ProjectionStatus> {
    const s = await this.outbox.status(this.store.kind);
    return {
      store: this.store.kind, lastSeq: s.lastSeq, headSeq: s.headSeq, pending: s.pending, lastError: s.lastError,
      errorAt: s.errorAt ? new Date(s.errorAt).toISOString() : null,
    };
  }

  /** Background projection: runs on wake() and every few seconds, backing off while the store is down. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  wake(): void {
    if (this.stopped) return;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    try {
      // Another process projecting now: its pass covers these events, or the next turn here does.
      await this.exclusive(() => this.applyPending(), false);
      this.failures = 0;
      if (!this.stopped) this.schedule(5000);
    } catch (e) {
      this.failures++;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(this.failures, 5));
      this.log.warn({ store: this.store.kind, err: (e as Error).message, retryInMs: delay }, 'graph projection failed');
      if (!this.stopped) this.schedule(delay);
    }
  }
}
