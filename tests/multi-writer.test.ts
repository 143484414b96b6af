import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../core/index.ts';
import { type GraphEvent, type GraphStore, PgGraphStore } from '../graph/index.ts';
import { EntitiesRepository } from '../knowledge/entities.repository.ts';
import { GraphProjector } from '../knowledge/projector.ts';
import { EntityResolver } from '../knowledge/resolution.ts';
import type { Runtime } from '../runtime/index.ts';
import { type Database, migrate, PostgresDatabase } from '../store/index.ts';
import { createServerDatabase, serverAvailable } from './helpers/databases.ts';
import { testRuntime } from './helpers/runtime.ts';

/** A real Postgres graph store that counts what it is asked to apply and takes its time (so projectors overlap). */
function countingStore(inner: GraphStore, applied: string[]): GraphStore {
  return Object.assign(Object.create(inner) as GraphStore, {
    async apply(events: GraphEvent[]) {
      await new Promise((r) => setTimeout(r, 30));
      for (const e of events) applied.push(e.type === 'entity.upsert' ? e.entity.id : e.type);
      return inner.apply(events);
    },
  });
}

describe('caches shared through the database', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await testRuntime();
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
  });

  it('an entity resolver sees a vocabulary change made by another process without being told', async () => {
    const resolver = rt.knowledge.resolver;
    expect((await resolver.suggest('影知测试综合征')).filter((s) => s.method === 'exact')).toEqual([]);
    // "Another process": its own repository on the database, which nobody tells this resolver about.
    const other = new EntitiesRepository(rt.db);
    await rt.db.transaction((tx) => other.create(tx, { id: 'ent_other_process', type: 'Disease', nameZh: '影知测试综合征', aliases: ['YZ综合征'], origin: 'review' }));
    const hits = await resolver.suggest('影知测试综合征');
    expect(hits[0]).toMatchObject({ entityId: 'ent_other_process', method: 'exact' });
    expect((await resolver.suggest('YZ综合征'))[0]).toMatchObject({ entityId: 'ent_other_process' });
    // A fresh resolver in a third "process" agrees.
    expect((await new EntityResolver(other).suggest('影知测试综合征'))[0]?.entityId).toBe('ent_other_process');
  });
});

describe.runIf(serverAvailable())('graph projection with several processes on one PostgreSQL', () => {
  let db: Database;
  let db2: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createServerDatabase();
    drop = created.drop;
    db = await PostgresDatabase.open(created.url);
    db2 = await PostgresDatabase.open(created.url);
    await migrate(db);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await db2?.close();
    await drop?.();
  });

  it('one projector at a time: every event applied once, and the cursor ends at the head, never behind', async () => {
    const events = Array.from({ length: 120 }, (_, i) => ({ type: 'entity.upsert', entity: { id: `ent_p${i}`, type: 'Disease', nameZh: `病${i}` } }));
    for (const e of events) await db.query('INSERT INTO kg_outbox (event) VALUES ($1::jsonb)', [JSON.stringify(e)]);
    const applied: string[] = [];
    const log = createLogger('silent');
    // Two processes (two connection pools), each with its own projector on the same graph tables.
    const a = new GraphProjector(db, countingStore(new PgGraphStore(db), applied), log);
    const b = new GraphProjector(db2, countingStore(new PgGraphStore(db2), applied), log);
    const [ra, rb] = await Promise.all([a.catchUp(), b.catchUp()]);
    expect(ra.applied + rb.applied).toBe(events.length);
    expect(applied.sort()).toEqual(events.map((e) => e.entity.id).sort());
    expect((await a.status()).lastSeq).toBe((await a.status()).headSeq);
    expect(await new PgGraphStore(db).stats()).toMatchObject({ entities: events.length });

    // More events while both run their background loops: still each once, cursor at the head.
    applied.length = 0;
    a.start();
    b.start();
    for (const e of events.slice(0, 30)) await db.query('INSERT INTO kg_outbox (event) VALUES ($1::jsonb)', [JSON.stringify(e)]);
    a.wake();
    b.wake();
    await Promise.all([a.catchUp(), b.catchUp()]);
    await Promise.all([a.stop(), b.stop()]);
    expect(applied).toHaveLength(30);
    const status = await b.status();
    expect(status).toMatchObject({ pending: 0, lastSeq: status.headSeq });
  });
});
