import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { DataDirLock } from './data-dir-lock.ts';
import { type Database, type Queryable, resultOf } from './database.ts';

function wrap(q: PGlite | Transaction): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return resultOf<T>(await q.query(sql, params));
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  };
}

/** Embedded Postgres (WASM). `dataDir` undefined means in-memory (tests). */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private closed = false;

  private constructor(
    private readonly pg: PGlite,
    private readonly lock: DataDirLock | undefined,
    private readonly q: Queryable,
  ) {}

  static async open(dataDir?: string): Promise<PgliteDatabase> {
    const lock = dataDir ? DataDirLock.acquire(dataDir) : undefined;
    try {
      const pg = await PGlite.create(dataDir ? path.join(dataDir, 'pgdata') : undefined, {
        extensions: { vector },
        // Durability is kept: ingestion must survive a kill -9 (see tests/ingest-crash.test.ts).
        relaxedDurability: false,
      });
      return new PgliteDatabase(pg, lock, wrap(pg));
    } catch (e) {
      lock?.release();
      throw e;
    }
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]) {
    return this.q.query<T>(sql, params);
  }

  exec(sql: string) {
    return this.q.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) => fn(wrap(tx)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pg.close();
    this.lock?.release();
  }
}
