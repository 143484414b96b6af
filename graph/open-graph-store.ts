import type { Config } from '../core/index.ts';
import type { Database } from '../store/index.ts';
import { Neo4jGraphStore } from './neo4j-graph-store.ts';
import { PgGraphStore } from './pg-graph-store.ts';
import type { GraphStore } from './types.ts';

/**
 * The graph store named by configuration: Neo4j when NEO4J_URL is set (basic auth when NEO4J_PASSWORD
 * is set, none otherwise), else tables in the product database. Nothing is contacted here: the
 * projector calls init() on first use, so a Neo4j that is down delays projection but not start-up —
 * and is reported as such, never replaced by the Postgres store.
 */
export function openGraphStore(config: Pick<Config, 'neo4j'>, db: Database): GraphStore {
  return config.neo4j ? new Neo4jGraphStore(config.neo4j) : new PgGraphStore(db);
}
