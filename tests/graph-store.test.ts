import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/index.ts';
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
      const neo = openGraphStore(loadConfig({ YZ_GRAPH: 'neo4j', NEO4J_URL: 'bolt://127.0.0.1:1' }), db);
      expect(neo).toBeInstanceOf(Neo4jGraphStore);
      // An unreachable server surfaces at init(), which the projector reports; no fallback to Postgres.
      await expect(neo.init()).rejects.toThrow();
      await neo.close();
      const pg = openGraphStore(loadConfig({ NEO4J_URL: 'bolt://127.0.0.1:1', YZ_GRAPH: 'postgres' }), db); // named wins over a set URL
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

/**
 * The product path into Neo4j: approvals go to the outbox, the projector applies them. Neo4j is taken
 * away (a TCP relay in front of the real server is closed) while approvals continue; nothing is lost
 * and the projector catches up when it returns. In this file because it shares the Neo4j server with
 * the contract suite above, which clears it.
 */
if (neo4jAvailable()) {
  describe('projection into Neo4j survives an outage', () => {
    it('queues events while Neo4j is down and catches up when it returns', async () => {
      const { TcpProxy } = await import('./helpers/tcp-proxy.ts');
      const { testRuntime } = await import('./helpers/runtime.ts');
      const proxy = TcpProxy.forUrl(process.env.YZ_TEST_NEO4J_URL as string);
      const port = await proxy.up();
      const rt = await testRuntime({ YZ_AUTO_EXTRACT: 'off', NEO4J_URL: `bolt://127.0.0.1:${port}` });
      try {
        await rt.knowledge.graph.init();
        await rt.knowledge.graph.clear();
        const reg = await rt.ingest.register(Buffer.from('---\ntitle: 投影测试\nyear: 2024\n---\n<!-- page: 1 -->\n肺腺癌常表现为磨玻璃结节。\n'), 'proj.md', {});
        await rt.runner.drain();
        const propose = async (objectId: string, text: string, n: number) => {
          await rt.db.transaction((tx) => rt.knowledge.candidates.insertMany(tx, [{
            subject: { text: '肺腺癌', entityId: 'dis.lung_adenocarcinoma', type: 'Disease' }, predicate: 'has_sign',
            object: { text, entityId: objectId, type: 'Sign' }, certainty: 'present', qualifiers: {}, quote: `肺腺癌可见${text}。`,
            quoteStart: n, quoteEnd: n + 5, confidence: 0.9, sourceId: reg.source.id, chunkId: null, page: 1, extractor: 'rules', extractorVersion: 'test',
          }]));
          const { items } = await rt.knowledge.candidates.list({ q: text, status: 'pending' }, { limit: 1, offset: 0 });
          return rt.knowledge.review.approve(items[0].id, { actor: 'dr.li' });
        };
        const first = await propose('sign.ground_glass_nodule', '磨玻璃结节', 0);
        await rt.knowledge.projector.catchUp();
        expect((await rt.knowledge.graph.getRelation(first.relationId as string))?.objectId).toBe('sign.ground_glass_nodule');

        await proxy.down();
        const second = await propose('sign.lobulation', '分叶征', 10); // the system of record does not need Neo4j
        await expect(rt.knowledge.projector.catchUp()).rejects.toMatchObject({ code: 'GRAPH_UNAVAILABLE' });
        const waiting = await rt.knowledge.projector.status();
        expect(waiting.pending).toBeGreaterThan(0);
        expect(waiting.lastError).toBeTruthy();

        await proxy.up();
        await rt.knowledge.projector.catchUp();
        expect((await rt.knowledge.projector.status())).toMatchObject({ pending: 0, lastError: null });
        expect((await rt.knowledge.graph.getRelation(second.relationId as string))?.objectId).toBe('sign.lobulation');
        const hood = await rt.knowledge.graph.neighbours('dis.lung_adenocarcinoma', { depth: 1 });
        expect(hood.edges.map((e) => e.id).sort()).toEqual([first.relationId, second.relationId].sort());
      } finally {
        await rt.close();
        await proxy.down();
      }
    });
  });
}
