import { yieldToEventLoop } from '../core/index.ts';
import type { Queryable } from './database.ts';

const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Rows sampled = 300 × this. PostgreSQL's default (100) made one ANALYZE of the candidate table of a 1,000-page book
 * take 1.1 s on the event loop; a tenth of the sample gives the planner the row counts and common values it lacked.
 */
const STATISTICS_TARGET = 10;

/**
 * Refresh the planner's statistics of these tables. PGlite runs no autovacuum, so an embedded database never gets
 * statistics by itself and the planner guesses: an alias lookup during extraction became a nested loop over every
 * entity (≈ 30 ms instead of 0.3 ms, once per chunk). One table per statement with a turn of the event loop between
 * them, because an embedded statement holds the API's event loop while it runs.
 */
export async function analyzeTables(q: Queryable, tables: readonly string[]): Promise<void> {
  for (const table of tables) {
    if (!TABLE_NAME.test(table)) throw new Error(`analyzeTables: not a table name: ${table}`);
    await q.exec(`BEGIN; SET LOCAL default_statistics_target = ${STATISTICS_TARGET}; ANALYZE ${table}; COMMIT`);
    await yieldToEventLoop();
  }
}

/**
 * The analyze half of autovacuum, for a database that has none (PGlite): every table changed by more than
 * 50 rows + 10 % of its size since its last analyze (PostgreSQL's default autoanalyze threshold) is analyzed.
 * Returns the tables it analyzed.
 */
export async function analyzeChangedTables(q: Queryable): Promise<string[]> {
  // A backend reports its row counts at most once a second unless told to: without this the last job's writes may be unseen.
  await q.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await q.query<{ relname: string }>(
    `SELECT relname FROM pg_stat_user_tables
     WHERE schemaname = 'public' AND n_mod_since_analyze > 50 + 0.1 * greatest(n_live_tup, 0) ORDER BY relname`,
  );
  const tables = rows.map((r) => r.relname);
  await analyzeTables(q, tables);
  return tables;
}
