import { AppError, type Keyring } from '../core/index.ts';
import type { GraphFilter, GraphStats, Subgraph } from '../graph/index.ts';
import type { Database } from '../store/index.ts';
import type { Knowledge } from './knowledge.ts';
import type { ProjectionStatus } from './projector.ts';
import { type ExportFormat, exportGraph, type ImportResult, importGraph } from './transfer/index.ts';

export interface GraphServiceDeps {
  db: Database;
  knowledge: Knowledge;
  keyring: Keyring | null;
}

/**
 * The graph's use cases: traversal of the approved graph, its size and projection status, rebuild, signed
 * export and import. Import projects its result before returning (once, here, for every caller).
 */
export class GraphService {
  constructor(private readonly deps: GraphServiceDeps) {}

  private get k(): Knowledge {
    return this.deps.knowledge;
  }

  /** Which store the projection writes to (postgres | neo4j). */
  get store(): string {
    return this.k.graph.kind;
  }

  /** The approved neighbourhood of an entity (merged ids followed); an entity with no relation is a lone node; NOT_FOUND when unknown. */
  async neighbours(entityId: string, opts: { depth: number; limit: number; filter: GraphFilter }): Promise<Subgraph> {
    const id = await this.k.entities.canonicalId(entityId);
    if (!(await this.k.graph.getEntity(id))) {
      const known = await this.k.entities.get(id);
      if (!known) throw new AppError('NOT_FOUND', `实体不存在 / unknown entity ${entityId}`, { field: 'id' });
      return { nodes: [{ id: known.id, type: known.type, nameZh: known.nameZh, nameEn: known.nameEn, aliases: known.aliases, codes: known.codes }], edges: [], truncated: false };
    }
    return this.k.graph.neighbours(id, opts);
  }

  shortestPath(from: string, to: string, opts: { maxHops: number; filter: GraphFilter }): Promise<Subgraph | null> {
    return this.k.graph.shortestPath(from, to, opts);
  }

  subgraph(filter: GraphFilter, opts: { limit: number }): Promise<Subgraph> {
    return this.k.graph.subgraph(filter, opts);
  }

  /** Graph size, review counts, relation counts and projection status, read together. */
  async overview(): Promise<{ graph: GraphStats; review: Record<string, number>; relations: { active: number; retired: number }; projection: ProjectionStatus }> {
    const [graph, review, relations, projection] = await Promise.all([this.k.graph.stats(), this.k.candidates.counts(), this.k.relations.counts(), this.k.projector.status()]);
    return { graph, review, relations, projection };
  }

  projection(): Promise<ProjectionStatus> {
    return this.k.projector.status();
  }

  /** Apply every pending graph event now and wait for it (read-your-writes; waits for another process's turn). */
  async catchUp(): Promise<void> {
    await this.k.projector.catchUp();
  }

  /** Empty the graph store and replay every event (audited). */
  rebuild(actor: string): Promise<{ applied: number; lastSeq: number }> {
    return this.k.rebuildGraph(actor);
  }

  /** The reviewed graph in a format, signed with this installation's key (audited). */
  export(format: ExportFormat, actor: string): Promise<string> {
    return exportGraph(this.deps.db, format, { actor, keyring: this.deps.keyring });
  }

  /** Import an export: signed here → approved (and projected before this returns); otherwise → the review queue. */
  async import(text: string, opts: { actor: string; fileName?: string }): Promise<ImportResult> {
    const result = await importGraph(this.deps.db, text, { ...opts, keyring: this.deps.keyring });
    // A graph store that is down keeps the events pending; the projector retries them.
    await this.k.projector.catchUp().catch(() => this.k.projector.wake());
    return result;
  }
}
