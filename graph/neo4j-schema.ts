import neo4j from 'neo4j-driver';
import { AppError } from '../core/index.ts';
import { GRAPH_ENTITY_TYPES, type GraphEntity, type GraphFilter, type GraphRelation, PREDICATES, type Predicate } from './types.ts';

/**
 * How the graph is laid out in Neo4j. Every entity is `(:Entity:<Type> {id, type, nameZh, nameEn,
 * aliases, codes})`; every relation is a relationship whose TYPE is the predicate upper-cased
 * (`has_sign` → `:HAS_SIGN`), carrying {id, certainty, qualifiers, confidence, version, sourceIds,
 * evidence, demo}. Why one type per predicate rather than `:REL {predicate}`: Neo4j checks a
 * relationship type while expanding without reading any property, and stores the relationships of a
 * dense node grouped by type, so `-[:HAS_SIGN|LOCATED_AT*..3]-` from a hub skips the other types
 * outright — a predicate property would be read and compared on every relationship of every path.
 * The price: a relationship property index is per type, so a lookup by relation id is a UNION of one
 * index seek per predicate (nine seeks, still sub-millisecond), and changing a relation's predicate or
 * endpoints deletes and recreates it. Labels and types come only from the two closed lists below, so
 * the Cypher built from them cannot be injected into.
 */
export const REL_TYPES = PREDICATES.map((p) => p.toUpperCase());

export const relType = (p: Predicate): string => p.toUpperCase();
export const predicateOf = (type: string): Predicate => type.toLowerCase() as Predicate;

/** Refuse a label or relationship type outside the closed lists before it reaches a query string. */
export function checkVocabulary(entities: GraphEntity[], relations: GraphRelation[]): void {
  for (const e of entities) {
    if (!(GRAPH_ENTITY_TYPES as readonly string[]).includes(e.type)) {
      throw new AppError('VALIDATION_FAILED', `未知实体类型 / unknown entity type ${e.type}`, { field: 'type', details: { id: e.id } });
    }
  }
  for (const r of relations) {
    if (!(PREDICATES as readonly string[]).includes(r.predicate)) {
      throw new AppError('VALIDATION_FAILED', `未知谓词 / unknown predicate ${r.predicate}`, { field: 'predicate', details: { id: r.id } });
    }
  }
}

/** `:A|B` for a relationship pattern restricted to some predicates; empty for any type. */
export function relTypesPattern(predicates: Predicate[] | undefined): string {
  return predicates ? `:${predicates.map(relType).join('|')}` : '';
}

/** Relationship conditions (`r.…`) for the certainty and source parts of a filter, joined with AND. */
export function relConditions(f: GraphFilter, r = 'r'): string[] {
  const out: string[] = [];
  if (f.certainty) out.push(`${r}.certainty IN $certainty`);
  if (f.sourceIds) out.push(`any(s IN ${r}.sourceIds WHERE s IN $sourceIds)`);
  return out;
}

export function filterParams(f: GraphFilter): Record<string, unknown> {
  return { certainty: f.certainty ?? null, sourceIds: f.sourceIds ?? null, types: f.types ?? null };
}

export interface NodeProps { id: string; type: string; nameZh: string; nameEn: string; aliases: string[]; codes: string }
export interface RelProps {
  id: string; certainty: string; qualifiers: string; confidence: number; version: number; sourceIds: string[]; evidence: string; demo: boolean;
}

export const entityProps = (e: GraphEntity): NodeProps => ({
  id: e.id, type: e.type, nameZh: e.nameZh, nameEn: e.nameEn, aliases: e.aliases, codes: JSON.stringify(e.codes),
});

/** Evidence and qualifiers are nested, which Neo4j properties cannot be: they travel as JSON strings. */
export const relationProps = (r: GraphRelation) => ({
  id: r.id, certainty: r.certainty, qualifiers: JSON.stringify(r.qualifiers), confidence: r.confidence,
  version: neo4j.int(r.version), sourceIds: r.sourceIds, evidence: JSON.stringify(r.evidence), demo: r.demo,
});

export const toEntity = (p: NodeProps): GraphEntity => ({
  id: p.id, type: p.type as GraphEntity['type'], nameZh: p.nameZh, nameEn: p.nameEn ?? '', aliases: p.aliases ?? [], codes: JSON.parse(p.codes ?? '{}'),
});

export const toRelation = (x: { p: RelProps; t: string; s: string; o: string }): GraphRelation => ({
  id: x.p.id, subjectId: x.s, predicate: predicateOf(x.t), objectId: x.o, certainty: x.p.certainty as GraphRelation['certainty'],
  qualifiers: JSON.parse(x.p.qualifiers ?? '{}'), confidence: Number(x.p.confidence), version: Number(x.p.version),
  sourceIds: x.p.sourceIds ?? [], evidence: JSON.parse(x.p.evidence ?? '[]'), demo: Boolean(x.p.demo),
});

/** A relationship returned as `{p, t, s, o}`: properties, type and endpoint ids. */
export const REL_RETURN = 'properties(r) AS p, type(r) AS t, a.id AS s, b.id AS o';

/** Look relations up by id: one index seek per relationship type, since each type has its own index. */
export function relationsByIdQuery(ret = REL_RETURN): string {
  return REL_TYPES.map((t) => `UNWIND $ids AS id MATCH (a:Entity)-[r:${t} {id: id}]->(b:Entity) RETURN ${ret}`).join('\nUNION ALL\n');
}

/** Constraints and indexes, idempotent. */
export const SCHEMA_STATEMENTS = [
  'CREATE CONSTRAINT graph_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE',
  ...REL_TYPES.map((t) => `CREATE INDEX graph_rel_${t.toLowerCase()}_id IF NOT EXISTS FOR ()-[r:${t}]-() ON (r.id)`),
];
