import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { AppError, type Logger } from '../core/index.ts';
import { byteaParsers, byteaSerializers } from './pglite-bytea.ts';
import { DataDirLock } from './data-dir-lock.ts';
import { makeDataDirPrivate, narrowPermissions } from './data-dir-permissions.ts';
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

/** An initialised cluster to unpack instead of running initdb (YZ_PGLITE_TEMPLATE); a missing file is an error naming the setting. */
function readTemplate(file: string): Blob {
  try {
    return new Blob([readFileSync(file)]);
  } catch (e) {
    throw new AppError('CONFIG_INVALID', `YZ_PGLITE_TEMPLATE: cannot read ${file} (${(e as Error).message})`, { field: 'YZ_PGLITE_TEMPLATE' });
  }
}

/** Embedded Postgres (WASM). `dataDir` undefined means in-memory (tests). */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  private closed = false;

  private constructor(
    private readonly pg: PGlite,
    private readonly lock: DataDirLock | undefined,
    private readonly q: Queryable,
    private readonly dataDir?: string,
  ) {}

  /**
   * Open (creating) the database in `dataDir`, or in memory when it is undefined (tests). The directory
   * is locked against a second process and made private (0700 / 0600, see makeDataDirPrivate); what had
   * to be narrowed is logged as a warning.
   */
  static async open(dataDir?: string, opts: { log?: Logger; template?: string } = {}): Promise<PgliteDatabase> {
    let lock: DataDirLock | undefined;
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      lock = DataDirLock.acquire(dataDir);
    }
    try {
      const opened = dataDir ? makeDataDirPrivate(dataDir) : [];
      if (opened.length) {
        opts.log?.warn({ dataDir, count: opened.length, examples: opened.slice(0, 5) }, 'data directory was readable by group or others: narrowed to 0700/0600');
      }
      const pgdata = dataDir ? path.join(dataDir, 'pgdata') : undefined;
      const pg = await PGlite.create(pgdata, {
        extensions: { vector },
        ...(opts.template && !(pgdata && existsSync(path.join(pgdata, 'PG_VERSION'))) ? { loadDataDir: readTemplate(opts.template) } : {}),
        // Durability is kept: ingestion must survive a kill -9 (see tests/ingest-crash.test.ts).
        relaxedDurability: false,
        serializers: byteaSerializers,
        parsers: byteaParsers,
      });
      if (dataDir) narrowPermissions(dataDir); // PGlite's own files (see narrowPermissions)
      return new PgliteDatabase(pg, lock, wrap(pg), dataDir);
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

  /** One process holds the data directory (DataDirLock), so no other can contend: callers serialise in-process. */
  async withLock<T>(_name: string, fn: () => Promise<T>): Promise<{ acquired: true; value: T }> {
    return { acquired: true, value: await fn() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pg.close();
    if (this.dataDir) narrowPermissions(this.dataDir);
    this.lock?.release();
  }
}
