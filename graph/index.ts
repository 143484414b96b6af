/**
 * Graph capability: the read model of reviewed relations (GraphStore) in Postgres tables or Neo4j,
 * chosen by configuration, and its event and data types.
 */

export { type Neo4jConfig, Neo4jGraphStore } from './neo4j-graph-store.ts';
export { openGraphStore } from './open-graph-store.ts';
export { PgGraphStore } from './pg-graph-store.ts';
export { DEFAULT_MAX_HOPS, DEFAULT_NEIGHBOUR_LIMIT, DEFAULT_SUBGRAPH_LIMIT } from './traversal.ts';
export {type Certainty, CertaintySchema, 
  GRAPH_ENTITY_TYPES, type GraphEntity, GraphEntitySchema, type GraphEvent,
  GraphEventSchema, type GraphEvidence, GraphEvidenceSchema, 
  type GraphFilter, type GraphRelation, GraphRelationSchema,type GraphStats, type GraphStore,PREDICATES, type Predicate, PredicateSchema, type Subgraph, 
} from './types.ts';
