import { z } from 'zod';

/**
 * The graph read model: what the projector writes into a GraphStore (Postgres tables or Neo4j) and what
 * the explorer reads back. The system of record is the knowledge tables; a store can always be rebuilt
 * from the outbox (`yingzhi graph rebuild`).
 */
export const GRAPH_ENTITY_TYPES = [
  'Disease', 'Sign', 'Finding', 'Anatomy', 'Modality', 'Exam', 'Treatment', 'Drug', 'Procedure', 'Stage',
] as const;

export const PREDICATES = [
  'has_sign', 'located_at', 'suggests', 'differential_of', 'treated_by', 'staged_by', 'examined_by',
  'complication_of', 'subtype_of',
] as const;
export const PredicateSchema = z.enum(PREDICATES);
export type Predicate = z.infer<typeof PredicateSchema>;

export const CertaintySchema = z.enum(['present', 'absent', 'possible']);
export type Certainty = z.infer<typeof CertaintySchema>;

export const GraphEntitySchema = z.object({
  id: z.string().min(1),
  type: z.enum(GRAPH_ENTITY_TYPES),
  nameZh: z.string().min(1),
  nameEn: z.string().default(''),
  aliases: z.array(z.string()).default([]),
  codes: z.record(z.string(), z.string()).default({}),
});
export type GraphEntity = z.infer<typeof GraphEntitySchema>;

/** Evidence as the graph shows it: enough to render a citation and link to the page. */
export const GraphEvidenceSchema = z.object({
  sourceId: z.string(),
  sourceTitle: z.string(),
  version: z.string().nullable().default(null),
  year: z.number().int().nullable().default(null),
  page: z.number().int().nullable().default(null),
  chunkId: z.string().nullable().default(null),
  quote: z.string(),
});
export type GraphEvidence = z.infer<typeof GraphEvidenceSchema>;

export const GraphRelationSchema = z.object({
  id: z.string().min(1),
  subjectId: z.string().min(1),
  predicate: PredicateSchema,
  objectId: z.string().min(1),
  certainty: CertaintySchema,
  qualifiers: z.record(z.string(), z.string()).default({}),
  confidence: z.number().min(0).max(1),
  /** Relation version: bumps on every edit, so a replayed older event never overwrites a newer one. */
  version: z.number().int().positive(),
  sourceIds: z.array(z.string()).default([]),
  evidence: z.array(GraphEvidenceSchema).default([]),
  demo: z.boolean().default(false),
});
export type GraphRelation = z.infer<typeof GraphRelationSchema>;

/** Outbox events, applied idempotently in `seq` order by the projector. */
export const GraphEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('entity.upsert'), entity: GraphEntitySchema }),
  z.object({ type: z.literal('relation.upsert'), relation: GraphRelationSchema }),
  z.object({ type: z.literal('relation.retire'), relationId: z.string() }),
  /** All edges of `fromId` move to `intoId`; `fromId` disappears from the graph. */
  z.object({ type: z.literal('entity.merge'), fromId: z.string(), intoId: z.string() }),
  /** Undo of a merge: the projector receives the restored entity and its relations as upserts after this. */
  z.object({ type: z.literal('entity.remove'), entityId: z.string() }),
]);
export type GraphEvent = z.infer<typeof GraphEventSchema>;

export interface GraphFilter {
  types?: string[];
  predicates?: Predicate[];
  sourceIds?: string[];
  certainty?: Certainty[];
}

export interface Subgraph {
  nodes: GraphEntity[];
  edges: GraphRelation[];
  /** True when a limit cut the result short. */
  truncated: boolean;
}

export interface GraphStats {
  entities: number;
  relations: number;
  byType: Record<string, number>;
  byPredicate: Record<string, number>;
}

/**
 * One contract, two implementations (Postgres tables in the product database; Neo4j over Bolt), both
 * tested by tests/graph.contract.ts. Writes are batched; every write is idempotent.
 */
export interface GraphStore {
  readonly kind: 'postgres' | 'neo4j';
  /** Create tables/constraints/indexes if missing. */
  init(): Promise<void>;
  /** Apply events in order (one batch, one transaction where the store supports it). */
  apply(events: GraphEvent[]): Promise<void>;
  upsertEntities(entities: GraphEntity[]): Promise<void>;
  upsertRelations(relations: GraphRelation[]): Promise<void>;
  getEntity(id: string): Promise<GraphEntity | null>;
  getRelation(id: string): Promise<GraphRelation | null>;
  /** Entities within `depth` hops (1–3) of `id`, with the edges among them, filtered; at most `limit` nodes. */
  neighbours(id: string, opts?: { depth?: number; filter?: GraphFilter; limit?: number }): Promise<Subgraph>;
  /** Shortest undirected path between two entities (≤ maxHops), or null. */
  shortestPath(fromId: string, toId: string, opts?: { maxHops?: number; filter?: GraphFilter }): Promise<Subgraph | null>;
  /** Every node/edge matching the filter, at most `limit` edges. */
  subgraph(filter: GraphFilter, opts?: { limit?: number }): Promise<Subgraph>;
  stats(): Promise<GraphStats>;
  /** Remove everything (used by `graph rebuild`). */
  clear(): Promise<void>;
  close(): Promise<void>;
}
