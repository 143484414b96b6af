import type { ManagedTransaction } from 'neo4j-driver';
import { entityProps, REL_TYPES, relationProps, relationsByIdQuery, relType } from './neo4j-schema.ts';
import { GRAPH_ENTITY_TYPES, type GraphEntity, type GraphRelation } from './types.ts';
import { chunked, type WriteStep } from './write-plan.ts';

/** Rows per `UNWIND $rows` statement. */
export const NEO4J_BATCH = 2000;

/** Apply one planned step inside a write transaction. Labels and types were checked by checkVocabulary. */
export async function writeStep(tx: ManagedTransaction, step: WriteStep): Promise<void> {
  switch (step.kind) {
    case 'entities':
      for (const batch of chunked(step.entities, NEO4J_BATCH)) await writeEntities(tx, batch);
      return;
    case 'relations':
      for (const batch of chunked(step.relations, NEO4J_BATCH)) await writeRelations(tx, batch);
      return;
    case 'retire':
      for (const batch of chunked(step.relationIds, NEO4J_BATCH)) await deleteRelations(tx, await existing(tx, batch));
      return;
    case 'remove':
      await tx.run('UNWIND $ids AS id MATCH (n:Entity {id: id}) DETACH DELETE n', { ids: step.entityIds });
      return;
    case 'merge':
      await mergeEntity(tx, step.fromId, step.intoId);
      return;
  }
}

/** MERGE by id; the type label is swapped when an entity changes type. */
async function writeEntities(tx: ManagedTransaction, entities: GraphEntity[]): Promise<void> {
  const byType = groupBy(entities, (e) => e.type);
  for (const [type, group] of byType) {
    const others = GRAPH_ENTITY_TYPES.filter((t) => t !== type).join(':');
    await tx.run(
      `UNWIND $rows AS row MERGE (n:Entity {id: row.id}) SET n += row REMOVE n:${others} SET n:${type}`,
      { rows: group.map(entityProps) },
    );
  }
}

interface Stored { type: string; version: number; subjectId: string; objectId: string }

async function existing(tx: ManagedTransaction, ids: string[]): Promise<Map<string, Stored>> {
  const res = await tx.run(relationsByIdQuery('id, type(r) AS t, r.version AS v, a.id AS s, b.id AS o'), { ids });
  return new Map(res.records.map((rec) => [rec.get('id') as string, { type: rec.get('t'), version: Number(rec.get('v')), subjectId: rec.get('s'), objectId: rec.get('o') }]));
}

async function deleteRelations(tx: ManagedTransaction, stored: Map<string, Stored>): Promise<void> {
  const byType = groupBy([...stored], ([, s]) => s.type);
  for (const [type, group] of byType) {
    await tx.run(`UNWIND $ids AS id MATCH ()-[r:${type} {id: id}]->() DELETE r`, { ids: group.map(([id]) => id) });
  }
}

/**
 * Same rules as the Postgres store: a relation whose endpoints are not both in the graph is skipped;
 * a stored version higher than the incoming one wins; otherwise properties are replaced in place, or —
 * when the predicate or an endpoint changed, which a Neo4j relationship cannot — it is recreated.
 */
async function writeRelations(tx: ManagedTransaction, relations: GraphRelation[]): Promise<void> {
  const endpoints = [...new Set(relations.flatMap((r) => [r.subjectId, r.objectId]))];
  const found = await tx.run('UNWIND $ids AS id MATCH (n:Entity {id: id}) RETURN n.id AS id', { ids: endpoints });
  const present = new Set(found.records.map((r) => r.get('id') as string));
  const candidates = relations.filter((r) => present.has(r.subjectId) && present.has(r.objectId));
  const stored = await existing(tx, candidates.map((r) => r.id));
  const update: GraphRelation[] = [];
  const create: GraphRelation[] = [];
  const replaced = new Map<string, Stored>();
  for (const r of candidates) {
    const s = stored.get(r.id);
    if (!s) create.push(r);
    else if (s.version > r.version) continue;
    else if (s.type === relType(r.predicate) && s.subjectId === r.subjectId && s.objectId === r.objectId) update.push(r);
    else {
      replaced.set(r.id, s);
      create.push(r);
    }
  }
  await deleteRelations(tx, replaced);
  for (const [type, group] of groupBy(update, (r) => relType(r.predicate))) {
    await tx.run(`UNWIND $rows AS row MATCH ()-[r:${type} {id: row.id}]->() SET r = row`, { rows: group.map(relationProps) });
  }
  for (const [type, group] of groupBy(create, (r) => relType(r.predicate))) {
    await tx.run(
      `UNWIND $rows AS row MATCH (a:Entity {id: row.s}) MATCH (b:Entity {id: row.o}) CREATE (a)-[r:${type}]->(b) SET r = row.props`,
      { rows: group.map((r) => ({ s: r.subjectId, o: r.objectId, props: relationProps(r) })) },
    );
  }
}

/**
 * Relationships cannot change endpoints, so each edge of `fromId` is recreated on `intoId` with the
 * same properties (id and version included) and the original deleted; a loop on `fromId`, or an edge
 * between the two, becomes a loop on `intoId`. Without `intoId` in the graph, `fromId` goes with its edges.
 */
async function mergeEntity(tx: ManagedTransaction, fromId: string, intoId: string): Promise<void> {
  if (fromId === intoId) return;
  const params = { from: fromId, into: intoId };
  const into = await tx.run('MATCH (i:Entity {id: $into}) RETURN count(i) AS n', params);
  if (Number(into.records[0].get('n')) > 0) {
    const res = await tx.run('MATCH (f:Entity {id: $from})-[r]-() RETURN DISTINCT type(r) AS t', params);
    const types = res.records.map((r) => r.get('t') as string).filter((t) => REL_TYPES.includes(t));
    for (const t of types) {
      await tx.run(
        `MATCH (f:Entity {id: $from})-[r:${t}]->(o) MATCH (i:Entity {id: $into})
         WITH r, i, CASE WHEN o = f THEN i ELSE o END AS target
         CREATE (i)-[c:${t}]->(target) SET c = properties(r) DELETE r`,
        params,
      );
      await tx.run(`MATCH (s)-[r:${t}]->(f:Entity {id: $from}) MATCH (i:Entity {id: $into}) CREATE (s)-[c:${t}]->(i) SET c = properties(r) DELETE r`, params);
    }
  }
  await tx.run('MATCH (f:Entity {id: $from}) DETACH DELETE f', params);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
