import type { GraphEntity, GraphRelation } from '../api.ts';

export interface Overview {
  nodes: GraphEntity[];
  edges: GraphRelation[];
  /** The hub ids, most connected first. */
  hubs: string[];
}

/**
 * The graph page's first view: the most connected entities of what the filters select (the "area"),
 * each with its strongest links, instead of an empty canvas or a 500-edge hairball. Degree is counted
 * over the relations fetched; links between hubs are always kept, and each hub keeps up to `perHub`
 * links to the best-connected other entities.
 */
export function overviewOf(sub: { nodes: GraphEntity[]; edges: GraphRelation[] }, hubCount = 15, perHub = 5): Overview {
  const degree = new Map<string, number>();
  for (const e of sub.edges) {
    degree.set(e.subjectId, (degree.get(e.subjectId) ?? 0) + 1);
    degree.set(e.objectId, (degree.get(e.objectId) ?? 0) + 1);
  }
  const byDegree = (a: string, b: string) => (degree.get(b) ?? 0) - (degree.get(a) ?? 0) || a.localeCompare(b);
  const hubs = [...degree.keys()].sort(byDegree).slice(0, hubCount);
  const isHub = new Set(hubs);
  const kept = new Map<string, GraphRelation>();
  for (const e of sub.edges) if (isHub.has(e.subjectId) && isHub.has(e.objectId)) kept.set(e.id, e);
  for (const hub of hubs) {
    const links = sub.edges
      .filter((e) => (e.subjectId === hub) !== (e.objectId === hub) && !(isHub.has(e.subjectId) && isHub.has(e.objectId)))
      .sort((a, b) => byDegree(a.subjectId === hub ? a.objectId : a.subjectId, b.subjectId === hub ? b.objectId : b.subjectId));
    for (const e of links.slice(0, perHub)) kept.set(e.id, e);
  }
  const edges = [...kept.values()];
  const ids = new Set(edges.flatMap((e) => [e.subjectId, e.objectId]));
  for (const h of hubs) ids.add(h);
  return { nodes: sub.nodes.filter((n) => ids.has(n.id)), edges, hubs };
}
