import { createHash } from 'node:crypto';

/** Something SQL can be run against: the database itself or an open transaction. */
export interface Queryable {
  /** Run one parameterised statement (`$1`, `$2`…). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: T[]; rowCount: number }>;
  /** Run a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The database port. Two implementations share one contract suite (tests/store.contract.ts):
 * embedded PGlite (default) and PostgreSQL through `pg` (`DATABASE_URL`).
 */
export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Run `fn` as the only holder of the named lock among every process on this database (a session-level
   * Postgres advisory lock on a dedicated connection, released when `fn` settles or the process dies).
   * `wait: false` returns `{ acquired: false }` at once when another process holds it. Embedded PGlite has
   * one process by construction (the data directory is locked), so there it runs `fn` at once.
   */
  withLock<T>(name: string, fn: () => Promise<T>, opts?: { wait?: boolean }): Promise<{ acquired: true; value: T } | { acquired: false }>;
  /** Release connections and locks. Safe to call twice. */
  close(): Promise<void>;
}

/** Normalise driver results: PGlite says `affectedRows`, pg says `rowCount`. */
export function resultOf<T>(r: { rows: unknown[]; rowCount?: number | null; affectedRows?: number }): { rows: T[]; rowCount: number } {
  return { rows: r.rows as T[], rowCount: r.rowCount ?? r.affectedRows ?? r.rows.length };
}

/** Serialise a float vector as a pgvector literal. */
export function toVectorLiteral(v: ArrayLike<number>): string {
  let s = '[';
  for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + (Number.isFinite(v[i]) ? v[i].toFixed(6) : '0');
  return `${s}]`;
}

/** A 64-bit advisory lock key for a lock name (first 8 bytes of its SHA-256, as a signed bigint literal). */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(`yingzhi/lock/${name}`).digest().readBigInt64BE(0).toString();
}
