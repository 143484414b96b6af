import type { Config, Logger, StoreBackend } from '../core/index.ts';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { PgliteDatabase } from './pglite-database.ts';
import { PostgresDatabase } from './postgres-database.ts';

type Opener = (config: Pick<Config, 'databaseUrl' | 'dataDir' | 'pgliteTemplate'>, opts: { inMemory?: boolean; log?: Logger }) => Promise<Database>;

/** One factory per name in STORE_BACKENDS (core/backends.ts), whose settings loadConfig has checked. */
const OPENERS: Record<StoreBackend, Opener> = {
  pglite: (config, opts) => PgliteDatabase.open(opts.inMemory ? undefined : config.dataDir, { log: opts.log, template: config.pgliteTemplate }),
  postgres: (config) => PostgresDatabase.open(config.databaseUrl as string),
};

/**
 * The database named by configuration (YZ_STORE), migrated. No silent fallback: a PostgreSQL that cannot be
 * reached is an error naming DATABASE_URL, never a quiet switch to the embedded store.
 */
export async function openDatabase(config: Pick<Config, 'store' | 'databaseUrl' | 'dataDir' | 'pgliteTemplate'>, opts: { inMemory?: boolean; log?: Logger } = {}): Promise<Database> {
  const db = await OPENERS[config.store.name](config, opts);
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}
