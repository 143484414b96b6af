import { AppError } from '../core/index.ts';
import type { GraphFilter } from './types.ts';

export const DEFAULT_NEIGHBOUR_LIMIT = 200;
export const DEFAULT_MAX_HOPS = 4;
export const MAX_HOPS_LIMIT = 6;
export const DEFAULT_SUBGRAPH_LIMIT = 500;

/** Depth 1–3, hops 1–6, limits ≥ 1: checked once here so both stores refuse the same inputs. */
export function checkedInt(value: number | undefined, fallback: number, min: number, max: number, field: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new AppError('VALIDATION_FAILED', `${field} 须为 ${min}–${max} 的整数 / ${field} must be an integer in ${min}..${max}`, { field });
  }
  return v;
}

/** Edge filters apply when non-empty: an empty list means "no restriction", as an absent one does. */
export function activeFilter(f: GraphFilter = {}): GraphFilter {
  const some = <T>(xs: T[] | undefined) => (xs?.length ? xs : undefined);
  return { types: some(f.types), predicates: some(f.predicates), sourceIds: some(f.sourceIds), certainty: some(f.certainty) };
}

/** One hop of an undirected breadth-first search, as a store answers it. */
export interface HopSource {
  /**
   * Ids of entities joined to any of `frontier` by an edge matching the filter (either direction),
   * not in `visited`, of a type in `filter.types` (when set); distinct, ascending, at most `limit`.
   */
  adjacent(frontier: string[], visited: string[], filter: GraphFilter, limit: number): Promise<string[]>;
}

/**
 * Breadth-first neighbourhood: the start, then each level in ascending id order, until `depth` levels
 * or `limit` nodes. Both stores share it so that they return the same nodes for the same graph.
 */
export async function neighbourhood(src: HopSource, startId: string, depth: number, filter: GraphFilter, limit: number): Promise<{ ids: string[]; truncated: boolean }> {
  const ids = [startId];
  let frontier = [startId];
  for (let d = 1; d <= depth && frontier.length; d++) {
    const room = limit - ids.length;
    // One more than fits tells whether the limit cut the level short.
    const next = await src.adjacent(frontier, ids, filter, room + 1);
    if (next.length > room) {
      ids.push(...next.slice(0, room));
      return { ids, truncated: true };
    }
    ids.push(...next);
    frontier = next;
  }
  return { ids, truncated: false };
}

export interface Reached {
  id: string;
  /** The frontier entity it was reached from, and through which relation. */
  parent: string;
  relationId: string;
}

/** One hop that also says how each new entity was reached (for path reconstruction). */
export interface ParentHopSource {
  /** Like HopSource.adjacent without a limit; entities in `exempt` pass the type filter (path endpoints). */
  reach(frontier: string[], visited: string[], filter: GraphFilter, exempt: string[]): Promise<Reached[]>;
}

/**
 * Shortest undirected path by bidirectional breadth-first search: expand the smaller frontier one full
 * level at a time; when a level touches the other side, the meeting point with the least total
 * distance gives a shortest path. Intermediate entities must pass the type filter; endpoints need not.
 */
export async function bidirectionalPath(src: ParentHopSource, fromId: string, toId: string, maxHops: number, filter: GraphFilter): Promise<{ nodeIds: string[]; relationIds: string[] } | null> {
  const exempt = [fromId, toId];
  const side = (start: string) => ({ dist: new Map([[start, 0]]), parent: new Map<string, Reached>(), frontier: [start], depth: 0 });
  const a = side(fromId);
  const b = side(toId);
  while (a.depth + b.depth < maxHops && a.frontier.length && b.frontier.length) {
    const [x, y] = a.frontier.length <= b.frontier.length ? [a, b] : [b, a];
    const reached = await src.reach(x.frontier, [...x.dist.keys()], filter, exempt);
    x.depth++;
    let meet: { id: string; total: number } | null = null;
    for (const r of reached) {
      x.dist.set(r.id, x.depth);
      x.parent.set(r.id, r);
      const other = y.dist.get(r.id);
      if (other !== undefined && (!meet || x.depth + other < meet.total)) meet = { id: r.id, total: x.depth + other };
    }
    if (meet) return joinPath(meet.id, a.parent, b.parent);
    x.frontier = reached.map((r) => r.id);
  }
  return null;
}

function joinPath(meetId: string, fromSide: Map<string, Reached>, toSide: Map<string, Reached>): { nodeIds: string[]; relationIds: string[] } {
  const nodeIds = [meetId];
  const relationIds: string[] = [];
  for (let step = fromSide.get(meetId); step; step = fromSide.get(step.parent)) {
    nodeIds.unshift(step.parent);
    relationIds.unshift(step.relationId);
  }
  for (let step = toSide.get(meetId); step; step = toSide.get(step.parent)) {
    nodeIds.push(step.parent);
    relationIds.push(step.relationId);
  }
  return { nodeIds, relationIds };
}
