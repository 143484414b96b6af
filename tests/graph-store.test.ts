import { describe, expect, it } from 'vitest';
import { Neo4jGraphStore, openGraphStore, PgGraphStore } from '../graph/index.ts';
import { type Database, migrate, PgliteDatabase } from '../store/index.ts';
import { graphStoreContract } from './graph.contract.ts';
import { onEveryDatabase } from './helpers/databases.ts';

/**
 * The Neo4j server that scripts/neo4j-server.sh starts, named in YZ_TEST_NEO4J_URL (auth none). Without
 * it the Neo4j suite skips on a developer machine and fails under CI=true. The suite clears the
 * server's graph: point it at a test server only.
 */
function neo4jAvailable(): boolean {
  if (process.env.YZ_TEST_NEO4J_URL) return true;
  if (process.env.CI === 'true') throw new Error('YZ_TEST_NEO4J_URL is not set: CI must start scripts/neo4j-server.sh');
  return false;
}

onEveryDatabase('graph store', (name, open, teardown) => {
  let db: Database | undefined;
  graphStoreContract(
    `PgGraphStore on ${name}`,
    async () => {
      db = await open();
      await migrate(db);
      return new PgGraphStore(db);
    },
    async () => {
      await db?.close();
      await teardown?.();
    },
  );
});

if (neo4jAvailable()) {
  graphStoreContract('Neo4jGraphStore', async () => new Neo4jGraphStore({ url: process.env.YZ_TEST_NEO4J_URL as string, user: 'neo4j' }));
} else {
  describe.skip('graph store contract: Neo4j (set YZ_TEST_NEO4J_URL)', () => {
    it('needs a server', () => {});
  });
}

describe('openGraphStore', () => {
  it('opens Neo4j when configured and the product database otherwise, contacting nothing', async () => {
    const db = await PgliteDatabase.open();
    try {
      const neo = openGraphStore({ neo4j: { url: 'bolt://127.0.0.1:1', user: 'neo4j' } }, db);
      expect(neo).toBeInstanceOf(Neo4jGraphStore);
      // An unreachable server surfaces at init(), which the projector reports; no fallback to Postgres.
      await expect(neo.init()).rejects.toThrow();
      await neo.close();
      const pg = openGraphStore({}, db);
      expect(pg.kind).toBe('postgres');
      await expect(pg.init()).rejects.toMatchObject({ code: 'DB_UNAVAILABLE' }); // not migrated yet
      await migrate(db);
      await pg.init();
      await pg.close();
      expect((await db.query<{ n: number }>('SELECT 1 AS n')).rows[0].n).toBe(1); // the borrowed database stays open
    } finally {
      await db.close();
    }
  });
});
