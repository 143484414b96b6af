import { AppError } from './errors.ts';

/** One storage backend a deployment can name: the settings it cannot start without, and what it is for. */
export interface BackendEntry {
  /** Environment variables that must be set when this backend is chosen. */
  readonly needs: readonly string[];
  readonly summary: string;
}

/**
 * The system of record, chosen by `YZ_STORE`. Every name here has a factory in store/open-database.ts
 * (a `Record<StoreBackend, …>`, so a name without one does not compile).
 */
export const STORE_BACKENDS = {
  pglite: { needs: [], summary: 'embedded PGlite in YZ_DATA_DIR (one process; the data directory is locked)' },
  postgres: { needs: ['DATABASE_URL'], summary: 'PostgreSQL + pgvector server (shared by API and worker processes)' },
} as const satisfies Record<string, BackendEntry>;
export type StoreBackend = keyof typeof STORE_BACKENDS;

/** The graph read model, chosen by `YZ_GRAPH`; factories in graph/open-graph-store.ts. */
export const GRAPH_BACKENDS = {
  postgres: { needs: [], summary: 'tables in the product database (recursive CTEs)' },
  neo4j: { needs: ['NEO4J_URL'], summary: 'Neo4j over Bolt (NEO4J_USER / NEO4J_PASSWORD / NEO4J_DATABASE)' },
} as const satisfies Record<string, BackendEntry>;
export type GraphBackend = keyof typeof GRAPH_BACKENDS;

/** Which backend runs, and whether it was named (`YZ_STORE=postgres`) or inferred from an older configuration. */
export interface BackendChoice<N extends string> {
  name: N;
  /** `named`: by YZ_STORE / YZ_GRAPH; `inferred`: unset, taken from DATABASE_URL / NEO4J_URL being set (pre-registry configurations). */
  chosenBy: 'named' | 'inferred' | 'default';
}

/**
 * Resolve a backend by name and check its settings: a missing one fails start with the variable's name,
 * never with a quiet switch to another backend. Unset (`name` undefined): configurations written before
 * the registry still start — the server backend when its URL is set (`inferred`, and start-up says so),
 * else the embedded default.
 */
export function chooseBackend<R extends Record<string, BackendEntry>>(
  variable: string, registry: R, name: string | undefined, env: Record<string, string | undefined>, legacy: { when: string; name: keyof R & string }, fallback: keyof R & string,
): BackendChoice<keyof R & string> {
  if (name === undefined || name === '') {
    return env[legacy.when] ? { name: legacy.name, chosenBy: 'inferred' } : { name: fallback, chosenBy: 'default' };
  }
  if (!Object.hasOwn(registry, name)) {
    throw new AppError('CONFIG_INVALID', `配置项 ${variable}=${name} 无效，可选 / unknown backend ${variable}=${name}; one of: ${Object.keys(registry).join(', ')}`, { field: variable });
  }
  for (const setting of registry[name].needs) {
    if (!env[setting]) {
      throw new AppError('CONFIG_INVALID', `${variable}=${name} 需要设置 ${setting} / ${variable}=${name} needs ${setting} (${registry[name].summary})`, { field: setting });
    }
  }
  return { name, chosenBy: 'named' };
}
