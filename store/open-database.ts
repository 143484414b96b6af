import type { Config, Logger } from '../core/index.ts';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { PgliteDatabase } from './pglite-database.ts';
import { PostgresDatabase } from './postgres-database.ts';

/**
 * The database named by configuration, migrated: PostgreSQL when DATABASE_URL is set, otherwise
 * embedded PGlite in `<YZ_DATA_DIR>`. No silent fallback: a DATABASE_URL that cannot be reached is
 * an error, never a quiet switch to the embedded store.
 */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, opts: { inMemory?: boolean; log?: Logger } = {}): Promise<Database> {
  const db = config.databaseUrl
    ? await PostgresDatabase.open(config.databaseUrl)
    : await PgliteDatabase.open(opts.inMemory ? undefined : config.dataDir, { log: opts.log });
  try {
    await migrate(db);
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}
