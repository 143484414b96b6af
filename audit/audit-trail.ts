import type { Keyring, Logger } from '../core/index.ts';
import type { Database } from '../store/index.ts';
import { type AuditFilter, type AuditPage, AuditRepository } from './audit.repository.ts';
import { type ChainInit, initAuditChain } from './chain-upgrade.ts';
import { type Checkpoint, type CheckpointWriteOptions, writeCheckpoint } from './checkpoint.ts';
import { type VerifyOptions, type VerifyReport, verify } from './verify.ts';

export interface AuditTrailOptions {
  db: Database;
  keyring: Keyring;
  /** Where signed checkpoints go; null = none (an in-memory database that outlives nothing). */
  checkpointDir: string | null;
  /** Minutes between periodic checkpoints while the server runs; 0 = only at start and stop. */
  checkpointMinutes: number;
  log: Logger;
}

/**
 * The audit log's lifecycle in one process: bind the chain to the installation key at start
 * (upgrading a legacy chain), anchor the head outside the database with signed checkpoints
 * (periodically while serving, and when the process stops), and verify against them.
 */
export class AuditTrail {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: AuditTrailOptions) {}

  /** Audit rows, newest first, filtered (the auditors' page). */
  search(filter: AuditFilter): Promise<AuditPage> {
    return new AuditRepository(this.opts.db).search(filter);
  }

  get checkpointDir(): string | null {
    return this.opts.checkpointDir;
  }

  /** Key the chain (see initAuditChain); runs before anything else appends. */
  async init(): Promise<ChainInit> {
    const r = await initAuditChain(this.opts.db, this.opts.keyring, { checkpoints: this.opts.checkpointDir, log: this.opts.log });
    if (r.rechained > 0) await this.checkpoint();
    return r;
  }

  /** Verify the chain and compare it with this installation's checkpoints (plus `extra` files). */
  verify(opts: VerifyOptions & { extraCheckpoints?: string[] } = {}): Promise<VerifyReport> {
    const checkpoints = [...(this.opts.checkpointDir ? [this.opts.checkpointDir] : []), ...(opts.extraCheckpoints ?? []), ...(opts.checkpoints ?? [])];
    return verify(this.opts.db, { ...opts, checkpoints });
  }

  /** Write a checkpoint now (null: no directory, an empty log, or the head has not moved). */
  async checkpoint(opts: CheckpointWriteOptions = {}): Promise<Checkpoint | null> {
    if (!this.opts.checkpointDir) return null;
    return writeCheckpoint(this.opts.db, this.opts.checkpointDir, opts);
  }

  /** Periodic checkpoints while serving (one now). A failed write is logged, never fatal to the server. */
  start(): void {
    if (this.timer || !this.opts.checkpointDir) return;
    const tick = () => this.checkpoint().catch((e) => this.opts.log.error({ err: e }, 'audit checkpoint failed'));
    void tick();
    const minutes = this.opts.checkpointMinutes;
    if (minutes > 0) {
      this.timer = setInterval(tick, minutes * 60_000);
      this.timer.unref();
    }
  }

  /** Stop the timer and anchor whatever this process appended since the last checkpoint. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checkpoint().catch((e) => this.opts.log.warn({ err: e }, 'audit checkpoint at shutdown failed'));
  }
}
