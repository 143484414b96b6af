import neo4j, { type Driver, type ManagedTransaction } from 'neo4j-driver';
import type { Config } from '../core/index.ts';
import { writeStep } from './neo4j-graph-writes.ts';
import {
  checkVocabulary, filterParams, type NodeProps, REL_RETURN, REL_TYPES, type RelProps, relationsByIdQuery, relConditions,
  relTypesPattern, SCHEMA_STATEMENTS, toEntity, toRelation,
} from './neo4j-schema.ts';
import { activeFilter, checkedInt, DEFAULT_MAX_HOPS, DEFAULT_NEIGHBOUR_LIMIT, DEFAULT_SUBGRAPH_LIMIT, MAX_HOPS_LIMIT, neighbourhood } from './traversal.ts';
import { GRAPH_ENTITY_TYPES, type GraphEntity, type GraphEvent, type GraphFilter, type GraphRelation, type GraphStats, type GraphStore, type Subgraph } from './types.ts';
import { latestEntities, latestRelations, planWrites, type WriteStep } from './write-plan.ts';

export type Neo4jConfig = NonNullable<Config['neo4j']>;

type Rel = { p: RelProps; t: string; s: string; o: string };

const where = (conds: string[]) => (conds.length ? ` WHERE ${conds.join(' AND ')}` : '');

/**
 * The graph read model in Neo4j over Bolt (layout and the choice of relationship types: see
 * neo4j-schema.ts). Every apply() is one write transaction of batched `UNWIND $rows` statements;
 * integers come back as JS numbers (`disableLosslessIntegers`: versions and counts stay far below 2^53).
 * The driver connects lazily, so constructing the store never fails on an unreachable server.
 */
export class Neo4jGraphStore implements GraphStore {
  readonly kind = 'neo4j' as const;
  private readonly driver: Driver;
  private closed = false;

  constructor(private readonly config: Neo4jConfig) {
    // No password: an absent token, which the driver sends as the `none` scheme.
    const auth = config.password ? neo4j.auth.basic(config.user, config.password) : undefined;
    // Retries are bounded: the projector keeps events in the outbox and retries on its own schedule.
    this.driver = neo4j.driver(config.url, auth, { disableLosslessIntegers: true, maxTransactionRetryTime: 5_000, connectionTimeout: 5_000 });
  }

  private session() {
    return this.driver.session({ database: this.config.database });
  }

  private async write<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.session();
    try {
      return await session.executeWrite(work);
    } finally {
      await session.close();
    }
  }

  private async read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.session();
    try {
      return await session.executeRead(work);
    } finally {
      await session.close();
    }
  }

  async init(): Promise<void> {
    const session = this.session();
    try {
      for (const statement of SCHEMA_STATEMENTS) await session.run(statement);
      await session.run('CALL db.awaitIndexes(60)');
    } finally {
      await session.close();
    }
  }

  async apply(events: GraphEvent[]): Promise<void> {
    await this.writeSteps(planWrites(events));
  }

  async upsertEntities(entities: GraphEntity[]): Promise<void> {
    if (entities.length) await this.writeSteps([{ kind: 'entities', entities: latestEntities(entities) }]);
  }

  async upsertRelations(relations: GraphRelation[]): Promise<void> {
    if (relations.length) await this.writeSteps([{ kind: 'relations', relations: latestRelations(relations) }]);
  }

  private async writeSteps(steps: WriteStep[]): Promise<void> {
    checkVocabulary(
      steps.flatMap((s) => (s.kind === 'entities' ? s.entities : [])),
      steps.flatMap((s) => (s.kind === 'relations' ? s.relations : [])),
    );
    if (!steps.length) return;
    await this.write(async (tx) => {
      for (const step of steps) await writeStep(tx, step);
    });
  }

  async getEntity(id: string): Promise<GraphEntity | null> {
    return (await this.read((tx) => entitiesIn(tx, [id])))[0] ?? null;
  }

  async getRelation(id: string): Promise<GraphRelation | null> {
    return (await this.read((tx) => relationsIn(tx, [id])))[0] ?? null;
  }

  async neighbours(id: string, opts: { depth?: number; filter?: GraphFilter; limit?: number } = {}): Promise<Subgraph> {
    const depth = checkedInt(opts.depth, 1, 1, 3, 'depth');
    const limit = checkedInt(opts.limit, DEFAULT_NEIGHBOUR_LIMIT, 1, 100_000, 'limit');
    const filter = activeFilter(opts.filter);
    return this.read(async (tx) => {
      if (!(await entitiesIn(tx, [id])).length) return { nodes: [], edges: [], truncated: false };
      const hops = { adjacent: (frontier: string[], visited: string[], f: GraphFilter, k: number) => adjacentIn(tx, frontier, visited, f, k) };
      const { ids, truncated } = await neighbourhood(hops, id, depth, filter, limit);
      const nodes = await entitiesIn(tx, ids);
      const edges = await edgesAmongIn(tx, ids, filter);
      return { nodes, edges, truncated };
    });
  }

  async shortestPath(fromId: string, toId: string, opts: { maxHops?: number; filter?: GraphFilter } = {}): Promise<Subgraph | null> {
    const maxHops = checkedInt(opts.maxHops, DEFAULT_MAX_HOPS, 1, MAX_HOPS_LIMIT, 'maxHops');
    const f = activeFilter(opts.filter);
    return this.read(async (tx) => {
      if (fromId === toId) {
        const nodes = await entitiesIn(tx, [fromId]);
        return nodes.length ? { nodes, edges: [], truncated: false } : null;
      }
      const conds: string[] = [];
      const relConds = relConditions(f, 'x');
      if (relConds.length) conds.push(`all(x IN relationships(p) WHERE ${relConds.join(' AND ')})`);
      // Written over all nodes, not nodes(p)[1..-1]: a slice is not evaluated during the search and
      // would make Neo4j fall back to an exhaustive one.
      if (f.types) conds.push('all(n IN nodes(p) WHERE n = a OR n = b OR n.type IN $types)');
      // maxHops is a checked integer: variable-length bounds cannot be parameters.
      const res = await tx.run(
        `MATCH (a:Entity {id: $from}) MATCH (b:Entity {id: $to})
         MATCH p = shortestPath((a)-[${relTypesPattern(f.predicates)}*..${maxHops}]-(b))${where(conds)}
         RETURN [n IN nodes(p) | properties(n)] AS nodes,
                [r IN relationships(p) | {p: properties(r), t: type(r), s: startNode(r).id, o: endNode(r).id}] AS rels`,
        { from: fromId, to: toId, ...filterParams(f) },
      );
      const rec = res.records[0];
      if (!rec) return null;
      return { nodes: (rec.get('nodes') as NodeProps[]).map(toEntity), edges: (rec.get('rels') as Rel[]).map(toRelation), truncated: false };
    });
  }

  async subgraph(filter: GraphFilter, opts: { limit?: number } = {}): Promise<Subgraph> {
    const limit = checkedInt(opts.limit, DEFAULT_SUBGRAPH_LIMIT, 1, 100_000, 'limit');
    const f = activeFilter(filter);
    const conds = relConditions(f);
    if (f.types) conds.push('a.type IN $types', 'b.type IN $types');
    return this.read(async (tx) => {
      const res = await tx.run(
        `MATCH (a:Entity)-[r${relTypesPattern(f.predicates)}]->(b:Entity)${where(conds)} RETURN ${REL_RETURN} ORDER BY r.id LIMIT $limit`,
        { ...filterParams(f), limit: neo4j.int(limit + 1) },
      );
      const edges = res.records.slice(0, limit).map((r) => toRelation(r.toObject() as Rel));
      const ids = [...new Set(edges.flatMap((e) => [e.subjectId, e.objectId]))].sort();
      return { nodes: await entitiesIn(tx, ids), edges, truncated: res.records.length > limit };
    });
  }

  async stats(): Promise<GraphStats> {
    // Count by label and by relationship type: each part is answered from Neo4j's count store (the
    // constant columns come after the count, or they would turn it into a grouped scan).
    const query = [
      ...GRAPH_ENTITY_TYPES.map((t) => `MATCH (n:${t}) WITH count(n) AS n RETURN 'type' AS kind, '${t}' AS k, n`),
      ...REL_TYPES.map((t) => `MATCH ()-[r:${t}]->() WITH count(r) AS n RETURN 'predicate' AS kind, '${t.toLowerCase()}' AS k, n`),
    ].join('\nUNION ALL\n');
    const res = await this.read((tx) => tx.run(query));
    const byType: Record<string, number> = {};
    const byPredicate: Record<string, number> = {};
    for (const rec of res.records) {
      const n = Number(rec.get('n'));
      if (n) (rec.get('kind') === 'type' ? byType : byPredicate)[rec.get('k')] = n;
    }
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    return { entities: sum(byType), relations: sum(byPredicate), byType, byPredicate };
  }

  /** Deleted in batches, each its own transaction, so a large graph does not need one huge transaction. */
  async clear(): Promise<void> {
    for (;;) {
      const res = await this.write((tx) => tx.run('MATCH (n:Entity) WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS n'));
      if (!Number(res.records[0]?.get('n'))) return;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.close();
  }
}

/** Entities by id, in the order asked, absent ones left out. */
async function entitiesIn(tx: ManagedTransaction, ids: string[]): Promise<GraphEntity[]> {
  if (!ids.length) return [];
  const res = await tx.run('UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN properties(n) AS n', { ids });
  const byId = new Map(res.records.map((r) => {
    const e = toEntity(r.get('n') as NodeProps);
    return [e.id, e];
  }));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

async function relationsIn(tx: ManagedTransaction, ids: string[]): Promise<GraphRelation[]> {
  const res = await tx.run(relationsByIdQuery(), { ids });
  const byId = new Map(res.records.map((r) => {
    const rel = toRelation(r.toObject() as Rel);
    return [rel.id, rel];
  }));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** One breadth-first level (HopSource.adjacent): both directions, filtered, ascending id. */
async function adjacentIn(tx: ManagedTransaction, frontier: string[], visited: string[], f: GraphFilter, limit: number): Promise<string[]> {
  const conds = ['NOT n.id IN $visited', ...relConditions(f)];
  if (f.types) conds.push('n.type IN $types');
  const res = await tx.run(
    `UNWIND $frontier AS fid MATCH (:Entity {id: fid})-[r${relTypesPattern(f.predicates)}]-(n:Entity)${where(conds)}
     RETURN DISTINCT n.id AS id ORDER BY id LIMIT $limit`,
    { frontier, visited, ...filterParams(f), limit: neo4j.int(limit) },
  );
  return res.records.map((r) => r.get('id') as string);
}

/** Every edge matching the filter whose two endpoints are among `ids`, in id order. */
async function edgesAmongIn(tx: ManagedTransaction, ids: string[], f: GraphFilter): Promise<GraphRelation[]> {
  const res = await tx.run(
    `UNWIND $ids AS id MATCH (a:Entity {id: id})-[r${relTypesPattern(f.predicates)}]->(b:Entity)${where(['b.id IN $ids', ...relConditions(f)])}
     RETURN ${REL_RETURN} ORDER BY r.id`,
    { ids, ...filterParams(f) },
  );
  return res.records.map((r) => toRelation(r.toObject() as Rel));
}
