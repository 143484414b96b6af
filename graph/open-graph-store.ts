import type { Config, GraphBackend } from '../core/index.ts';
import type { Database } from '../store/index.ts';
import { Neo4jGraphStore } from './neo4j-graph-store.ts';
import { PgGraphStore } from './pg-graph-store.ts';
import type { GraphStore } from './types.ts';

/** One factory per name in GRAPH_BACKENDS (core/backends.ts), whose settings loadConfig has checked. */
const OPENERS: Record<GraphBackend, (config: Pick<Config, 'neo4j'>, db: Database) => GraphStore> = {
  postgres: (_config, db) => new PgGraphStore(db),
  neo4j: (config) => new Neo4jGraphStore(config.neo4j as NonNullable<Config['neo4j']>),
};

/**
 * The graph store named by configuration (YZ_GRAPH; Neo4j with basic auth when NEO4J_PASSWORD is set).
 * Nothing is contacted here: the projector calls init() on first use, so a Neo4j that is down delays
 * projection but not start-up — and is reported as such, never replaced by the Postgres store.
 */
export function openGraphStore(config: Pick<Config, 'graph' | 'neo4j'>, db: Database): GraphStore {
  return OPENERS[config.graph.name](config, db);
}
