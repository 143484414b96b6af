import { AppError } from '../core/index.ts';
import type { Database } from '../store/index.ts';
import { AuditLog } from './audit-log.ts';

/** Audit rows are kept at least this long (Security: "retained ≥ 180 days"); also enforced by the database trigger. */
export const MIN_RETENTION_DAYS = 180;

/**
 * The configured retention minimum: `YZ_AUDIT_RETENTION_DAYS` (whole days) may raise the floor,
 * never lower it — a value below 180 is a configuration error, not silently clamped.
 */
export function retentionDaysFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.YZ_AUDIT_RETENTION_DAYS?.trim();
  if (!raw) return MIN_RETENTION_DAYS;
  const days = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(days) || days < MIN_RETENTION_DAYS) {
    throw new AppError(
      'CONFIG_INVALID',
      `YZ_AUDIT_RETENTION_DAYS 必须是不小于 ${MIN_RETENTION_DAYS} 的整数天 / YZ_AUDIT_RETENTION_DAYS must be whole days ≥ ${MIN_RETENTION_DAYS} (got "${raw}"); retention can only be raised`,
      { field: 'YZ_AUDIT_RETENTION_DAYS' },
    );
  }
  return days;
}

export interface PurgeOptions {
  /** Delete rows older than this many days; refused below the retention minimum. */
  olderThanDays: number;
  /** Who purges (recorded in the audit.purge row). */
  actor: string;
  /** Retention minimum; default from YZ_AUDIT_RETENTION_DAYS (≥ 180). */
  minRetentionDays?: number;
}

export interface PurgeResult {
  purged: number;
  /** Last purged row: the anchor the remaining chain continues from. */
  throughSeq: number | null;
  throughHash: string | null;
  /** seq of the audit.purge row recording this purge (null when nothing was old enough). */
  purgeSeq: number | null;
  cutoff: string;
}

/**
 * Retention purge: deletes the oldest rows — always a prefix of the chain, the rows before the
 * first one younger than the cutoff — and, in the same transaction, appends an `audit.purge` row
 * whose details carry `throughSeq`/`throughHash` of the last purged row. `verify` starts the chain
 * from that anchor. The row deletion is allowed by the append-only trigger only under
 * `yingzhi.audit_purge = 'on'` (transaction-local) and only for rows older than 180 days.
 */
export async function purge(db: Database, opts: PurgeOptions): Promise<PurgeResult> {
  if (opts.minRetentionDays !== undefined && (!Number.isSafeInteger(opts.minRetentionDays) || opts.minRetentionDays < MIN_RETENTION_DAYS)) {
    throw new AppError('CONFIG_INVALID', `审计保留期不得低于 ${MIN_RETENTION_DAYS} 天 / audit retention cannot be below ${MIN_RETENTION_DAYS} days`, {
      field: 'YZ_AUDIT_RETENTION_DAYS',
    });
  }
  const minDays = opts.minRetentionDays ?? retentionDaysFromEnv();
  if (!Number.isSafeInteger(opts.olderThanDays) || opts.olderThanDays < minDays) {
    throw new AppError(
      'VALIDATION_FAILED',
      `审计日志至少保留 ${minDays} 天，拒绝清理 ${opts.olderThanDays} 天以前的记录 / audit rows are kept at least ${minDays} days: refusing to purge rows older than ${opts.olderThanDays} days`,
      { field: 'olderThanDays' },
    );
  }
  const log = new AuditLog();
  return db.transaction(async (tx) => {
    // Hold the head: no append interleaves with the purge, so "the oldest rows" is well defined.
    const { rows: clock } = await tx.query<{ cutoff: Date }>(
      `SELECT date_trunc('milliseconds', now()) - make_interval(days => $1) AS cutoff FROM audit_head WHERE id = 1 FOR UPDATE`,
      [opts.olderThanDays],
    );
    const cutoff = new Date(clock[0].cutoff).toISOString();
    // The prefix ends just before the first row at or after the cutoff (rows are chained in seq order;
    // a clock step backwards cannot pull a younger row into the purge).
    const { rows: bounds } = await tx.query<{ first: number | string | null; through: number | string | null }>(
      `SELECT (SELECT min(seq) FROM audit_log) AS first,
              coalesce((SELECT min(seq) FROM audit_log WHERE at >= $1) - 1, (SELECT max(seq) FROM audit_log)) AS through`,
      [cutoff],
    );
    const first = bounds[0].first === null ? null : Number(bounds[0].first);
    const through = bounds[0].through === null ? null : Number(bounds[0].through);
    if (first === null || through === null || through < first) {
      return { purged: 0, throughSeq: null, throughHash: null, purgeSeq: null, cutoff };
    }
    const { rows: last } = await tx.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [through]);
    await tx.query(`SELECT set_config('yingzhi.audit_purge', 'on', true)`);
    const { rowCount } = await tx.query('DELETE FROM audit_log WHERE seq <= $1', [through]);
    await tx.query(`SELECT set_config('yingzhi.audit_purge', 'off', true)`);
    const record = await log.append(tx, {
      actor: opts.actor,
      action: 'audit.purge',
      target: 'audit_log',
      details: { throughSeq: through, throughHash: last[0].hash, rows: rowCount, olderThanDays: opts.olderThanDays, cutoff },
    });
    return { purged: rowCount, throughSeq: through, throughHash: last[0].hash, purgeSeq: record.seq, cutoff };
  });
}
