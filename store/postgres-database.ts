import pg from 'pg';
import { AppError } from '../core/index.ts';
import { advisoryLockKey, type Database, type Queryable, resultOf } from './database.ts';

// int8 (counts, sums) as JS numbers: our counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
// float8/numeric arrive as strings by default.
pg.types.setTypeParser(1700, (v) => Number.parseFloat(v));

function wrap(c: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return resultOf<T>(await c.query(sql, params));
    },
    async exec(sql: string) {
      await c.query(sql);
    },
  };
}

/** PostgreSQL (+ pgvector) server through a `pg` pool; for shared, multi-process deployments. */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  private closed = false;
  private readonly q: Queryable;

  private constructor(private readonly pool: pg.Pool) {
    this.q = wrap(pool);
  }

  static async open(url: string, max = 10): Promise<PostgresDatabase> {
    const pool = new pg.Pool({ connectionString: url, max });
    try {
      await pool.query('SELECT 1');
    } catch (e) {
      await pool.end();
      throw new AppError('DB_UNAVAILABLE', `无法连接数据库 DATABASE_URL / cannot connect: ${(e as Error).message}`, {
        field: 'DATABASE_URL',
        cause: e,
      });
    }
    return new PostgresDatabase(pool);
  }

  query<T = Record<string, unknown>>(sql: string, params?: unknown[]) {
    return this.q.query<T>(sql, params);
  }

  exec(sql: string) {
    return this.q.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(wrap(client));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async withLock<T>(name: string, fn: () => Promise<T>, opts: { wait?: boolean } = {}): Promise<{ acquired: true; value: T } | { acquired: false }> {
    const key = advisoryLockKey(name);
    // A session lock lives on one connection: held apart from the pool's, so `fn` can use the pool freely.
    const client = await this.pool.connect();
    let held = false;
    try {
      if (opts.wait === false) {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
        if (!rows[0]?.ok) return { acquired: false };
      } else {
        await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
      }
      held = true;
      return { acquired: true, value: await fn() };
    } finally {
      // A failed unlock means a broken connection: drop it, which ends the session and its lock.
      const unlocked = held ? await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).then(() => true, () => false) : true;
      client.release(unlocked ? undefined : true);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
