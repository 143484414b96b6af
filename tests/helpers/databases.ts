import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, it } from 'vitest';
import { type Database, PgliteDatabase, PostgresDatabase } from '../../store/index.ts';

/**
 * Test databases on the real PostgreSQL + pgvector server that .ci/run starts (scripts/pg-server.sh)
 * and names in YZ_TEST_DATABASE_URL. Each suite gets a database of its own, dropped afterwards.
 * Without the server, suites skip on a developer machine and fail under CI=true.
 */
export function serverAvailable(): boolean {
  if (process.env.YZ_TEST_DATABASE_URL) return true;
  if (process.env.CI === 'true') throw new Error('YZ_TEST_DATABASE_URL is not set: .ci/run must start scripts/pg-server.sh');
  return false;
}

export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.YZ_TEST_DATABASE_URL as string;
  const name = `yz_t_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A test suite parameterised by how to open (and afterwards drop) the database it runs against. */
export type DatabaseSuite = (name: string, open: () => Promise<Database>, teardown?: () => Promise<void>) => void;

/**
 * Run `suite` against embedded PGlite and against a fresh database on the PostgreSQL server; without
 * a server the second run is reported as skipped (and fails under CI=true, see serverAvailable).
 */
export function onEveryDatabase(title: string, suite: DatabaseSuite): void {
  suite('PGlite (embedded)', () => PgliteDatabase.open());
  if (serverAvailable()) {
    let drop: (() => Promise<void>) | undefined;
    suite(
      'PostgreSQL server + pgvector',
      async () => {
        const created = await createServerDatabase();
        drop = created.drop;
        return PostgresDatabase.open(created.url);
      },
      () => drop?.() ?? Promise.resolve(),
    );
  } else {
    describe.skip(`${title}: PostgreSQL server (set YZ_TEST_DATABASE_URL)`, () => {
      it('needs a server', () => {});
    });
  }
}
