import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type GraphEntity, type GraphFilterQuery, type GraphRelation, type SubgraphDto } from '../api.ts';
import { overviewOf } from './overview.ts';

export const SHOW_ALL_LIMIT = 500;
/** Relations read to find the hubs of the overview (degree is counted over these). */
export const OVERVIEW_SAMPLE = 2000;

export interface GraphData {
  nodes: GraphEntity[];
  edges: GraphRelation[];
  truncated: boolean;
}
const EMPTY: GraphData = { nodes: [], edges: [], truncated: false };

function merge(into: GraphData, more: SubgraphDto): GraphData {
  const nodes = new Map(into.nodes.map((n) => [n.id, n]));
  const edges = new Map(into.edges.map((e) => [e.id, e]));
  for (const n of more.nodes) nodes.set(n.id, n);
  for (const e of more.edges) edges.set(e.id, e);
  return { nodes: [...nodes.values()], edges: [...edges.values()], truncated: into.truncated || more.truncated };
}

/**
 * What the canvas shows: the neighbourhoods of the entities the reader opened or expanded ("seeds"),
 * or every relation (capped). A filter change refetches all of them; an expansion adds one.
 * Responses that arrive after a newer request are dropped.
 */
export function useGraphData(filter: GraphFilterQuery) {
  const [data, setData] = useState<GraphData>(EMPTY);
  const [seeds, setSeeds] = useState<string[]>([]);
  const [all, setAll] = useState(false);
  const [overview, setOverview] = useState(false);
  const [anchor, setAnchor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const generation = useRef(0);
  const state = useRef({ seeds, all, overview, filter });
  state.current = { seeds, all, overview, filter };
  const dataRef = useRef(data);
  dataRef.current = data;

  const run = useCallback(async (work: () => Promise<GraphData>, after?: () => void) => {
    const gen = ++generation.current;
    setLoading(true);
    setError(null);
    try {
      const next = await work();
      if (gen !== generation.current) return;
      setData(next);
      after?.();
    } catch (e) {
      if (gen === generation.current) setError(e);
    } finally {
      if (gen === generation.current) setLoading(false);
    }
  }, []);

  const fetchAll = useCallback(async (seedIds: readonly string[], withAll: boolean, f: GraphFilterQuery, withOverview = false) => {
    if (withOverview) {
      const sub = await api.subgraph({ ...f, limit: OVERVIEW_SAMPLE });
      return { ...overviewOf(sub), truncated: false };
    }
    const parts = await Promise.all([
      ...(withAll ? [api.subgraph({ ...f, limit: SHOW_ALL_LIMIT })] : []),
      ...seedIds.map((id) => api.neighbours(id, { ...f, depth: 1 })),
    ]);
    return parts.reduce(merge, EMPTY);
  }, []);

  /** Refetch everything on screen (after a filter change, a retire or a merge). */
  const refresh = useCallback(() => {
    const { seeds: s, all: a, overview: o, filter: f } = state.current;
    if (s.length === 0 && !a && !o) return setData(EMPTY);
    setAnchor(null);
    void run(() => fetchAll(s, a, f, o && s.length === 0 && !a));
  }, [fetchAll, run]);

  const filterKey = JSON.stringify(filter);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the filter's value (not identity) triggers a refetch
  useEffect(() => refresh(), [filterKey, refresh]);

  /** Start over from one entity. */
  const open = useCallback(
    (id: string) => {
      setSeeds([id]);
      setAll(false);
      setOverview(false);
      setAnchor(null);
      void run(() => fetchAll([id], false, state.current.filter));
    },
    [fetchAll, run],
  );

  /** Add an entity's neighbours to what is shown. */
  const expand = useCallback(
    (id: string) => {
      const current = state.current;
      setSeeds((s) => (s.includes(id) ? s : [...s, id]));
      setAnchor(id);
      void run(async () => {
        const more = await api.neighbours(id, { ...current.filter, depth: 1 });
        return merge(dataRef.current, more);
      });
    },
    [run],
  );
  const showAll = useCallback(() => {
    setAll(true);
    setOverview(false);
    setSeeds([]);
    setAnchor(null);
    void run(() => fetchAll([], true, state.current.filter));
  }, [fetchAll, run]);

  /** The most connected entities of what the filters select, each with its strongest links. */
  const showOverview = useCallback(() => {
    setOverview(true);
    setAll(false);
    setSeeds([]);
    setAnchor(null);
    void run(() => fetchAll([], false, state.current.filter, true));
  }, [fetchAll, run]);

  const clear = useCallback(() => {
    generation.current++;
    setSeeds([]);
    setAll(false);
    setOverview(false);
    setAnchor(null);
    setData(EMPTY);
    setLoading(false);
  }, []);

  /** Take one edge off the canvas now (a retired relation), before the projection catches up. */
  const dropEdge = useCallback((id: string) => {
    setData((d) => ({ ...d, edges: d.edges.filter((e) => e.id !== id) }));
  }, []);

  return { data, seeds, all, overview, anchor, loading, error, open, expand, showAll, showOverview, clear, refresh, dropEdge };
}
