import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { GRAPH_ENTITY_TYPES, type GraphEvent, type GraphStore, Neo4jGraphStore, PgGraphStore, PREDICATES } from '../graph/index.ts';
import { type Database, migrate, PgliteDatabase, PostgresDatabase } from '../store/index.ts';
import { rng } from './random.ts';
import { ms, percentile, printTable } from './table.ts';

export const GRAPH_ENTITIES = 20_000;
export const GRAPH_RELATIONS = 100_000;
/** Events per apply(), as the projector batches them. */
const APPLY_BATCH = 2000;
const QUERIES = 300;


/**
 * A seeded synthetic knowledge graph: entities of every type; relations with a uniform subject and a
 * skewed object (`n·u²`), so a few objects become hubs with hundreds of edges, as CT or 胸腔积液 do.
 */
export function syntheticGraph(entities = GRAPH_ENTITIES, relations = GRAPH_RELATIONS, seed = 20_240_601): { entityEvents: GraphEvent[]; relationEvents: GraphEvent[] } {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const id = (i: number) => `ent_${String(i).padStart(6, '0')}`;
  const entityEvents = Array.from({ length: entities }, (_, i): GraphEvent => ({
    type: 'entity.upsert',
    entity: { id: id(i), type: pick(GRAPH_ENTITY_TYPES), nameZh: `合成实体${i}`, nameEn: `entity ${i}`, aliases: i % 5 ? [] : [`别名${i}`], codes: i % 7 ? {} : { radlex: `RID${i}` } },
  }));
  const relationEvents = Array.from({ length: relations }, (_, i): GraphEvent => {
    const subject = Math.floor(random() * entities);
    let object = Math.floor(entities * random() ** 2);
    if (object === subject) object = (object + 1) % entities;
    const source = `src_${String(Math.floor(random() * 200)).padStart(3, '0')}`;
    return {
      type: 'relation.upsert',
      relation: {
        id: `rel_${String(i).padStart(6, '0')}`, subjectId: id(subject), predicate: pick(PREDICATES), objectId: id(object),
        certainty: random() < 0.85 ? 'present' : pick(['absent', 'possible'] as const), qualifiers: i % 4 ? {} : { 部位: '右肺上叶' },
        confidence: Math.round(random() * 100) / 100, version: 1, sourceIds: [source], demo: false,
        evidence: [{ sourceId: source, sourceTitle: `合成文献 ${source}`, version: null, year: 2020, page: 1 + (i % 300), chunkId: null, quote: `合成证据句 ${i}：所见提示相关表现。` }],
      },
    };
  });
  return { entityEvents, relationEvents };
}

interface Row { store: string; firstHalfS: number; totalS: number; hop2: number[]; hop2Nodes: number; path: number[]; pathsFound: number }

async function measure(label: string, store: GraphStore, graph: ReturnType<typeof syntheticGraph>): Promise<Row> {
  const log = (s: string) => process.stdout.write(`[${label}] ${s}\n`);
  await store.init();
  await store.clear();
  const t0 = performance.now();
  let firstHalfS = 0;
  const events = [...graph.entityEvents, ...graph.relationEvents];
  for (let i = 0; i < events.length; i += APPLY_BATCH) {
    await store.apply(events.slice(i, i + APPLY_BATCH));
    if (!firstHalfS && i + APPLY_BATCH >= graph.entityEvents.length + graph.relationEvents.length / 2) firstHalfS = (performance.now() - t0) / 1000;
  }
  const totalS = (performance.now() - t0) / 1000;
  log(`projected ${graph.relationEvents.length} relations in ${totalS.toFixed(1)} s (first half ${firstHalfS.toFixed(1)} s)`);
  const random = rng(99);
  const entityId = () => `ent_${String(Math.floor(random() * graph.entityEvents.length)).padStart(6, '0')}`;
  const starts = Array.from({ length: QUERIES }, entityId);
  for (const id of starts.slice(0, 30)) await store.neighbours(id, { depth: 2 }); // warm caches
  const hop2: number[] = [];
  let hop2Nodes = 0;
  for (const id of starts) {
    const t = performance.now();
    const g = await store.neighbours(id, { depth: 2, limit: 200 });
    hop2.push(performance.now() - t);
    hop2Nodes += g.nodes.length;
  }
  const path: number[] = [];
  let pathsFound = 0;
  for (let i = 0; i < QUERIES / 3; i++) {
    const t = performance.now();
    if (await store.shortestPath(entityId(), entityId(), { maxHops: 4 })) pathsFound++;
    path.push(performance.now() - t);
  }
  return { store: label, firstHalfS, totalS, hop2, hop2Nodes: hop2Nodes / starts.length, path, pathsFound };
}

async function onPostgresServer<T>(admin: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const name = `yz_bench_graph_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = await PostgresDatabase.open(url.toString());
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
    const d = new pg.Client({ connectionString: admin });
    await d.connect();
    await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await d.end();
  }
}

/**
 * Graph read model: project 20,000 entities and 100,000 relations (in apply() batches of 2,000 events,
 * as the projector does), then 2-hop neighbourhoods (limit 200 nodes) and shortest paths (≤ 4 hops)
 * from seeded random entities. PGlite always; the PostgreSQL server with YZ_TEST_DATABASE_URL; Neo4j
 * with YZ_TEST_NEO4J_URL (auth none — its graph is cleared first).
 */
export async function runGraphBench() {
  const graph = syntheticGraph();
  const rows: Row[] = [];
  const embedded = await PgliteDatabase.open();
  try {
    await migrate(embedded);
    rows.push(await measure('Postgres tables, PGlite', new PgGraphStore(embedded), graph));
  } finally {
    await embedded.close();
  }
  const admin = process.env.YZ_TEST_DATABASE_URL;
  if (admin) rows.push(await onPostgresServer(admin, (db) => measure('Postgres tables, PostgreSQL server', new PgGraphStore(db), graph)));
  const neo4jUrl = process.env.YZ_TEST_NEO4J_URL;
  if (neo4jUrl) {
    const store = new Neo4jGraphStore({ url: neo4jUrl, user: 'neo4j' });
    try {
      rows.push(await measure('Neo4j', store, graph));
      await store.clear();
    } finally {
      await store.close();
    }
  }
  const s = (v: number) => `${v.toFixed(1)} s`;
  printTable(
    `Graph read model: ${GRAPH_ENTITIES.toLocaleString()} entities, ${GRAPH_RELATIONS.toLocaleString()} relations; ${QUERIES} 2-hop queries (limit 200), ${QUERIES / 3} paths (≤ 4 hops)`,
    ['store', 'entities + 50k rel.', 'entities + 100k rel.', '2-hop p50', '2-hop p95', '2-hop max', 'nodes/2-hop', 'paths found', 'path p50', 'path p95'],
    rows.map((r) => [
      r.store, s(r.firstHalfS), s(r.totalS), ms(percentile(r.hop2, 50)), ms(percentile(r.hop2, 95)), ms(Math.max(...r.hop2)),
      r.hop2Nodes.toFixed(0), `${r.pathsFound}/${r.path.length}`, ms(percentile(r.path, 50)), ms(percentile(r.path, 95)),
    ]),
  );
  return rows.map((r) => ({
    store: r.store, entities: GRAPH_ENTITIES, relations: GRAPH_RELATIONS, project50kSeconds: r.firstHalfS, project100kSeconds: r.totalS,
    hop2P50Ms: percentile(r.hop2, 50), hop2P95Ms: percentile(r.hop2, 95), hop2MaxMs: Math.max(...r.hop2), hop2MeanNodes: r.hop2Nodes,
    pathsFound: r.pathsFound, paths: r.path.length, pathP50Ms: percentile(r.path, 50), pathP95Ms: percentile(r.path, 95),
  }));
}
