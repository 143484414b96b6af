import { AppError } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import {
  activeFilter, bidirectionalPath, checkedInt, DEFAULT_MAX_HOPS, DEFAULT_NEIGHBOUR_LIMIT, DEFAULT_SUBGRAPH_LIMIT,
  type HopSource, MAX_HOPS_LIMIT, neighbourhood, type ParentHopSource, type Reached,
} from './traversal.ts';
import type { GraphEntity, GraphEvent, GraphFilter, GraphRelation, GraphStats, GraphStore, Subgraph } from './types.ts';
import { chunked, latestEntities, latestRelations, planWrites, type WriteStep } from './write-plan.ts';

/** Rows per multi-row statement: one jsonb parameter each, so the size is bounded by memory, not by $n. */
const WRITE_BATCH = 5000;
/** Refresh planner statistics once this many rows, and at least as many as at the last refresh, were written. */
const ANALYZE_AFTER_ROWS = 5000;

interface EntityRow { id: string; type: string; name_zh: string; name_en: string; aliases: string[]; codes: Record<string, string> }
interface RelationRow {
  id: string; subject_id: string; predicate: string; object_id: string; certainty: string; qualifiers: Record<string, string>;
  confidence: number; version: number; source_ids: string[]; evidence: GraphRelation['evidence']; demo: boolean;
}

const toEntity = (r: EntityRow): GraphEntity => ({
  id: r.id, type: r.type as GraphEntity['type'], nameZh: r.name_zh, nameEn: r.name_en, aliases: r.aliases, codes: r.codes,
});
const toRelation = (r: RelationRow): GraphRelation => ({
  id: r.id, subjectId: r.subject_id, predicate: r.predicate as GraphRelation['predicate'], objectId: r.object_id,
  certainty: r.certainty as GraphRelation['certainty'], qualifiers: r.qualifiers, confidence: Number(r.confidence),
  version: r.version, sourceIds: r.source_ids, evidence: r.evidence, demo: r.demo,
});

/** `AND …` conditions on relation alias `r` for a filter's edge parts; values are appended to `params`. */
function edgeConditions(f: GraphFilter, params: unknown[]): string {
  let sql = '';
  if (f.predicates) sql += ` AND r.predicate = ANY($${params.push(f.predicates)}::text[])`;
  if (f.certainty) sql += ` AND r.certainty = ANY($${params.push(f.certainty)}::text[])`;
  if (f.sourceIds) sql += ` AND r.source_ids && $${params.push(f.sourceIds)}::text[]`;
  return sql;
}

/** Both directions of every edge leaving `$1` (the frontier), as (id, parent, rel) rows named `n`. */
function undirectedHop(conditions: string): string {
  return `(SELECT r.object_id AS id, r.subject_id AS parent, r.id AS rel FROM graph_relations r WHERE r.subject_id = ANY($1::text[])${conditions}
           UNION ALL
           SELECT r.subject_id, r.object_id, r.id FROM graph_relations r WHERE r.object_id = ANY($1::text[])${conditions}) n`;
}

/**
 * The graph read model as two tables in the product database (migration 005), on PGlite or a
 * PostgreSQL server alike: plain SQL, no extension. Writes are multi-row `jsonb_to_recordset` statements;
 * traversal is a breadth-first search issuing one indexed statement per level.
 */
export class PgGraphStore implements GraphStore, HopSource, ParentHopSource {
  readonly kind = 'postgres' as const;
  private writtenSinceAnalyze = 0;
  private writtenAtAnalyze = 0;

  /** The database is borrowed: close() leaves it open for its owner. */
  constructor(private readonly db: Database) {}

  /** The tables come from migration 005; this only checks that it ran. */
  async init(): Promise<void> {
    const { rows } = await this.db.query<{ t: string | null }>(`SELECT to_regclass('graph_relations')::text AS t`);
    if (!rows[0]?.t) throw new AppError('DB_UNAVAILABLE', '图表缺失，请先运行数据库迁移 / graph tables missing: run migrations (005_graph.sql)');
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
    if (!steps.length) return;
    const rows = steps.reduce((n, s) => n + (s.kind === 'entities' ? s.entities.length : s.kind === 'relations' ? s.relations.length : 0), 0);
    await this.db.transaction(async (tx) => {
      for (const step of steps) await this.write(tx, step);
    });
    await this.refreshStatistics(rows);
  }

  /**
   * Traversal binds arrays of a few hundred ids (`subject_id = ANY($1)`); without column statistics the
   * planner guesses each id matches 0.5 % of the table and picks a sequential scan (22 ms instead of
   * 1 ms on 100k relations). PGlite has no autovacuum to collect them, and a server's runs only
   * later, so the store refreshes them itself as the graph grows — each time its size has doubled.
   */
  private async refreshStatistics(rows: number): Promise<void> {
    this.writtenSinceAnalyze += rows;
    if (this.writtenSinceAnalyze < Math.max(ANALYZE_AFTER_ROWS, this.writtenAtAnalyze)) return;
    await this.db.exec('ANALYZE graph_entities, graph_relations');
    this.writtenAtAnalyze += this.writtenSinceAnalyze;
    this.writtenSinceAnalyze = 0;
  }

  private async write(tx: Queryable, step: WriteStep): Promise<void> {
    switch (step.kind) {
      case 'entities':
        for (const batch of chunked(step.entities, WRITE_BATCH)) await writeEntities(tx, batch);
        return;
      case 'relations':
        for (const batch of chunked(step.relations, WRITE_BATCH)) await writeRelations(tx, batch);
        return;
      case 'retire':
        await tx.query('DELETE FROM graph_relations WHERE id = ANY($1::text[])', [step.relationIds]);
        return;
      case 'remove':
        await removeEntities(tx, step.entityIds);
        return;
      case 'merge':
        await mergeEntity(tx, step.fromId, step.intoId);
        return;
    }
  }

  async getEntity(id: string): Promise<GraphEntity | null> {
    return (await this.entities([id]))[0] ?? null;
  }

  async getRelation(id: string): Promise<GraphRelation | null> {
    const { rows } = await this.db.query<RelationRow>('SELECT * FROM graph_relations WHERE id = $1', [id]);
    return rows[0] ? toRelation(rows[0]) : null;
  }

  async neighbours(id: string, opts: { depth?: number; filter?: GraphFilter; limit?: number } = {}): Promise<Subgraph> {
    const depth = checkedInt(opts.depth, 1, 1, 3, 'depth');
    const limit = checkedInt(opts.limit, DEFAULT_NEIGHBOUR_LIMIT, 1, 100_000, 'limit');
    const filter = activeFilter(opts.filter);
    if (!(await this.getEntity(id))) return { nodes: [], edges: [], truncated: false };
    const { ids, truncated } = await neighbourhood(this, id, depth, filter, limit);
    const [nodes, edges] = await Promise.all([this.entities(ids), this.edgesAmong(ids, filter)]);
    return { nodes, edges, truncated };
  }

  async shortestPath(fromId: string, toId: string, opts: { maxHops?: number; filter?: GraphFilter } = {}): Promise<Subgraph | null> {
    const maxHops = checkedInt(opts.maxHops, DEFAULT_MAX_HOPS, 1, MAX_HOPS_LIMIT, 'maxHops');
    const ends = await this.entities([...new Set([fromId, toId])]);
    if (ends.length !== new Set([fromId, toId]).size) return null;
    if (fromId === toId) return { nodes: ends, edges: [], truncated: false };
    const path = await bidirectionalPath(this, fromId, toId, maxHops, activeFilter(opts.filter));
    if (!path) return null;
    const [nodes, edges] = await Promise.all([this.entities(path.nodeIds), this.relations(path.relationIds)]);
    return { nodes, edges, truncated: false };
  }

  async subgraph(filter: GraphFilter, opts: { limit?: number } = {}): Promise<Subgraph> {
    const limit = checkedInt(opts.limit, DEFAULT_SUBGRAPH_LIMIT, 1, 100_000, 'limit');
    const f = activeFilter(filter);
    const params: unknown[] = [];
    let sql = `SELECT r.* FROM graph_relations r`;
    if (f.types) {
      const t = params.push(f.types);
      sql += ` JOIN graph_entities s ON s.id = r.subject_id AND s.type = ANY($${t}::text[])
               JOIN graph_entities o ON o.id = r.object_id AND o.type = ANY($${t}::text[])`;
    }
    sql += ` WHERE true${edgeConditions(f, params)} ORDER BY r.id LIMIT $${params.push(limit + 1)}`;
    const { rows } = await this.db.query<RelationRow>(sql, params);
    const edges = rows.slice(0, limit).map(toRelation);
    const ids = [...new Set(edges.flatMap((e) => [e.subjectId, e.objectId]))].sort();
    return { nodes: await this.entities(ids), edges, truncated: rows.length > limit };
  }

  async stats(): Promise<GraphStats> {
    const [types, predicates] = await Promise.all([
      this.db.query<{ k: string; n: number }>('SELECT type AS k, count(*)::int AS n FROM graph_entities GROUP BY type'),
      this.db.query<{ k: string; n: number }>('SELECT predicate AS k, count(*)::int AS n FROM graph_relations GROUP BY predicate'),
    ]);
    const byType = Object.fromEntries(types.rows.map((r) => [r.k, r.n]));
    const byPredicate = Object.fromEntries(predicates.rows.map((r) => [r.k, r.n]));
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    return { entities: sum(byType), relations: sum(byPredicate), byType, byPredicate };
  }

  async clear(): Promise<void> {
    await this.db.exec('TRUNCATE graph_relations, graph_entities');
    this.writtenSinceAnalyze = 0;
    this.writtenAtAnalyze = 0;
  }

  async close(): Promise<void> {}

  /** HopSource: one level of the neighbourhood search. */
  async adjacent(frontier: string[], visited: string[], filter: GraphFilter, limit: number): Promise<string[]> {
    const params: unknown[] = [frontier, visited];
    let sql = `SELECT DISTINCT n.id FROM ${undirectedHop(edgeConditions(filter, params))}`;
    if (filter.types) sql += ` JOIN graph_entities e ON e.id = n.id AND e.type = ANY($${params.push(filter.types)}::text[])`;
    sql += ` WHERE n.id <> ALL($2::text[]) ORDER BY n.id LIMIT $${params.push(limit)}`;
    const { rows } = await this.db.query<{ id: string }>(sql, params);
    return rows.map((r) => r.id);
  }

  /** ParentHopSource: one level of the path search, with the lowest-id edge that reached each entity. */
  async reach(frontier: string[], visited: string[], filter: GraphFilter, exempt: string[]): Promise<Reached[]> {
    const params: unknown[] = [frontier, visited];
    let sql = `SELECT DISTINCT ON (n.id) n.id, n.parent, n.rel FROM ${undirectedHop(edgeConditions(filter, params))}`;
    if (filter.types) {
      sql += ` JOIN graph_entities e ON e.id = n.id AND (e.type = ANY($${params.push(filter.types)}::text[]) OR e.id = ANY($${params.push(exempt)}::text[]))`;
    }
    sql += ' WHERE n.id <> ALL($2::text[]) ORDER BY n.id, n.rel';
    const { rows } = await this.db.query<{ id: string; parent: string; rel: string }>(sql, params);
    return rows.map((r) => ({ id: r.id, parent: r.parent, relationId: r.rel }));
  }

  /** Entities by id, in the order asked, absent ones left out. */
  private async entities(ids: string[]): Promise<GraphEntity[]> {
    if (!ids.length) return [];
    const { rows } = await this.db.query<EntityRow>('SELECT * FROM graph_entities WHERE id = ANY($1::text[])', [ids]);
    const byId = new Map(rows.map((r) => [r.id, toEntity(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  private async relations(ids: string[]): Promise<GraphRelation[]> {
    const { rows } = await this.db.query<RelationRow>('SELECT * FROM graph_relations WHERE id = ANY($1::text[])', [ids]);
    const byId = new Map(rows.map((r) => [r.id, toRelation(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Every edge matching the filter whose two endpoints are among `ids`, in id order. */
  private async edgesAmong(ids: string[], filter: GraphFilter): Promise<GraphRelation[]> {
    const params: unknown[] = [ids];
    const { rows } = await this.db.query<RelationRow>(
      `SELECT r.* FROM graph_relations r WHERE r.subject_id = ANY($1::text[]) AND r.object_id = ANY($1::text[])${edgeConditions(filter, params)} ORDER BY r.id`,
      params,
    );
    return rows.map(toRelation);
  }
}

async function writeEntities(tx: Queryable, entities: GraphEntity[]): Promise<void> {
  const rows = entities.map((e) => ({ id: e.id, type: e.type, zh: e.nameZh, en: e.nameEn, aliases: e.aliases, codes: e.codes }));
  await tx.query(
    `INSERT INTO graph_entities (id, type, name_zh, name_en, aliases, codes)
     SELECT x.id, x.type, x.zh, x.en, ARRAY(SELECT jsonb_array_elements_text(x.aliases)), x.codes
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, type text, zh text, en text, aliases jsonb, codes jsonb)
     ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en,
       aliases = EXCLUDED.aliases, codes = EXCLUDED.codes`,
    [JSON.stringify(rows)],
  );
}

/** Relations whose endpoints are not both in the graph are skipped; an older version never overwrites a newer one. */
async function writeRelations(tx: Queryable, relations: GraphRelation[]): Promise<void> {
  const rows = relations.map((r) => ({
    id: r.id, s: r.subjectId, p: r.predicate, o: r.objectId, c: r.certainty, q: r.qualifiers, conf: r.confidence,
    v: r.version, src: r.sourceIds, ev: r.evidence, demo: r.demo,
  }));
  await tx.query(
    `INSERT INTO graph_relations (id, subject_id, predicate, object_id, certainty, qualifiers, confidence, version, source_ids, evidence, demo)
     SELECT x.id, x.s, x.p, x.o, x.c, x.q, x.conf, x.v, ARRAY(SELECT jsonb_array_elements_text(x.src)), x.ev, x.demo
     FROM jsonb_to_recordset($1::jsonb) AS x(id text, s text, p text, o text, c text, q jsonb, conf float8, v int, src jsonb, ev jsonb, demo boolean)
     WHERE EXISTS (SELECT 1 FROM graph_entities e WHERE e.id = x.s) AND EXISTS (SELECT 1 FROM graph_entities e WHERE e.id = x.o)
     ON CONFLICT (id) DO UPDATE SET subject_id = EXCLUDED.subject_id, predicate = EXCLUDED.predicate, object_id = EXCLUDED.object_id,
       certainty = EXCLUDED.certainty, qualifiers = EXCLUDED.qualifiers, confidence = EXCLUDED.confidence, version = EXCLUDED.version,
       source_ids = EXCLUDED.source_ids, evidence = EXCLUDED.evidence, demo = EXCLUDED.demo
     WHERE graph_relations.version <= EXCLUDED.version`,
    [JSON.stringify(rows)],
  );
}

async function removeEntities(tx: Queryable, ids: string[]): Promise<void> {
  await tx.query('DELETE FROM graph_relations WHERE subject_id = ANY($1::text[]) OR object_id = ANY($1::text[])', [ids]);
  await tx.query('DELETE FROM graph_entities WHERE id = ANY($1::text[])', [ids]);
}

/**
 * Edges of `fromId` are repointed to `intoId` (keeping their ids and versions; the system of record
 * retires duplicates with events of its own) and `fromId` is deleted. When `intoId` is not in the graph
 * there is nothing to move the edges to, so `fromId` goes with its edges.
 */
async function mergeEntity(tx: Queryable, fromId: string, intoId: string): Promise<void> {
  if (fromId === intoId) return;
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM graph_entities WHERE id = $1', [intoId]);
  if (!rows[0].n) return removeEntities(tx, [fromId]);
  await tx.query('UPDATE graph_relations SET subject_id = $2 WHERE subject_id = $1', [fromId, intoId]);
  await tx.query('UPDATE graph_relations SET object_id = $2 WHERE object_id = $1', [fromId, intoId]);
  await tx.query('DELETE FROM graph_entities WHERE id = $1', [fromId]);
}
