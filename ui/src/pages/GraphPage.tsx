import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, type GraphFilterQuery, type GraphStatsDto, type SourceDto } from '../api.ts';
import { ErrorAlert, useTitle } from '../components.tsx';
import { EdgePanel } from '../graph/EdgePanel.tsx';
import { ExportLinks } from '../graph/ExportLinks.tsx';
import { fitGraph, GraphCanvas, type GraphSelection } from '../graph/GraphCanvas.tsx';
import { ALL_FILTERS, type GraphFilterState, GraphFilters } from '../graph/GraphFilters.tsx';
import { NodePanel } from '../graph/NodePanel.tsx';
import { PredicateBars } from '../graph/PredicateBars.tsx';
import { StatsStrip } from '../graph/StatsStrip.tsx';
import { SHOW_ALL_LIMIT, useGraphData } from '../graph/useGraphData.ts';
import { useI18n } from '../i18n.ts';
import { EntityPicker } from '../kg/EntityPicker.tsx';
import { ENTITY_TYPES, PREDICATES } from '../kg/vocab.ts';

const PROJECTION_POLLS = 20;
const PROJECTION_POLL_MS = 250;

/** Only what narrows the graph goes on the wire (all boxes ticked = no filter). */
function toQuery(f: GraphFilterState): GraphFilterQuery {
  return {
    predicates: f.predicates.size < PREDICATES.length ? PREDICATES.filter((p) => f.predicates.has(p)) : undefined,
    types: f.types.size < ENTITY_TYPES.length ? ENTITY_TYPES.filter((x) => f.types.has(x)) : undefined,
    sources: f.source ? [f.source] : undefined,
  };
}

/** 知识图谱: search an entity, draw its neighbourhood, expand, filter, inspect evidence, retire, merge. */
export function GraphPage() {
  const { t, lang, number } = useI18n();
  useTitle(t('graph.title'));
  const [sp, setSp] = useSearchParams();
  const [filters, setFilters] = useState<GraphFilterState>(ALL_FILTERS);
  const query = useMemo(() => toQuery(filters), [filters]);
  const graph = useGraphData(query);
  const [selected, setSelected] = useState<GraphSelection>(null);
  const [stats, setStats] = useState<GraphStatsDto | null>(null);
  const [statsError, setStatsError] = useState<unknown>(null);
  const [sources, setSources] = useState<SourceDto[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [statsTick, setStatsTick] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: statsTick is the reload trigger
  useEffect(() => {
    const ctl = new AbortController();
    api
      .graphStats(ctl.signal)
      .then((s) => {
        setStats(s);
        setStatsError(null);
      })
      .catch((e) => {
        if (!ctl.signal.aborted) setStatsError(e);
      });
    return () => ctl.abort();
  }, [statsTick]);

  useEffect(() => {
    const ctl = new AbortController();
    api
      .sources({ limit: 500 }, ctl.signal)
      .then((r) => setSources(r.items))
      .catch(() => {});
    return () => ctl.abort();
  }, []);

  // ?entity=… (links from the review queue) opens that entity.
  const entityParam = sp.get('entity');
  const { open, showOverview } = graph;
  useEffect(() => {
    if (entityParam) {
      open(entityParam);
      setSelected({ kind: 'node', id: entityParam });
    } else showOverview();
  }, [entityParam, open, showOverview]);

  // A retire or merge reaches the graph store through the projector (asynchronously): wait until it
  // has caught up, then redraw and recount.
  const { refresh } = graph;
  const changed = useCallback(
    async (message?: string) => {
      if (message) setNotice(message);
      for (let i = 0; i < PROJECTION_POLLS; i++) {
        const s = await api.graphStats().catch(() => null);
        if (!s || s.projection.pending === 0) break;
        await new Promise((r) => setTimeout(r, PROJECTION_POLL_MS));
      }
      refresh();
      setStatsTick((n) => n + 1);
    },
    [refresh],
  );

  const { data } = graph;
  return (
    <section className="page graph-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('graph.title')}</h1>
        <ExportLinks />
      </div>
      {statsError ? <ErrorAlert error={statsError} onRetry={() => setStatsTick((n) => n + 1)} /> : null}
      {stats && <StatsStrip stats={stats} />}
      <div className="card graph-toolbar">
        <div className="graph-search">
          <label htmlFor="graph-search" className="filter-label">
            {t('graph.search')}
          </label>
          <EntityPicker
            id="graph-search"
            testId="graph-search"
            className="graph-search-picker"
            value={null}
            placeholder={t('graph.searchPlaceholder')}
            onChange={(e) => {
              if (!e) return;
              setSp({ entity: e.id });
            }}
          />
          <button type="button" className="btn" onClick={() => graph.showOverview()} data-testid="show-overview">
            {t('graph.overview')}
          </button>
          <button type="button" className="btn" onClick={() => graph.showAll()} data-testid="show-all">
            {t('graph.showAll', { n: SHOW_ALL_LIMIT })}
          </button>
          <button type="button" className="btn" onClick={fitGraph} disabled={data.nodes.length === 0}>
            {t('graph.fit')}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => {
              graph.clear();
              setSelected(null);
              setSp({});
            }}
            disabled={data.nodes.length === 0}
            data-testid="clear-graph"
          >
            {t('graph.clear')}
          </button>
        </div>
        <GraphFilters value={filters} sources={sources} byType={stats?.graph.byType ?? {}} onChange={setFilters} />
      </div>
      {notice && (
        <div className="alert alert-success" role="status" data-testid="graph-notice">
          <span>{notice}</span>
          <button type="button" className="dialog-x" onClick={() => setNotice(null)} aria-label={t('common.close')}>
            ×
          </button>
        </div>
      )}
      {graph.error ? <ErrorAlert error={graph.error} onRetry={graph.refresh} /> : null}
      <div className="graph-layout">
        <div className={`card graph-main${graph.loading ? ' is-loading' : ''}`}>
          <div className="graph-meta small muted">
            <span data-testid="graph-counts" data-nodes={data.nodes.length} data-edges={data.edges.length}>
              {t('graph.counts', { nodes: number(data.nodes.length), edges: number(data.edges.length) })}
            </span>
            {data.truncated && <span className="badge badge-amber">{t('graph.truncated')}</span>}
            <span className="graph-hint" data-testid={graph.overview ? 'overview-hint' : undefined}>
              {graph.overview ? t('graph.overviewHint') : t('graph.hint')}
            </span>
          </div>
          <div className="graph-canvas-wrap">
            <GraphCanvas
              nodes={data.nodes}
              edges={data.edges}
              seeds={graph.seeds}
              anchor={graph.anchor}
              lang={lang}
              selected={selected}
              onSelect={setSelected}
              onExpand={graph.expand}
            />
            {data.nodes.length === 0 && !graph.loading && (
              <div className="graph-empty muted" data-testid="graph-empty">
                {graph.seeds.length || graph.all || graph.overview ? t('graph.noEdges') : t('graph.empty')}
              </div>
            )}
          </div>
        </div>
        <div className="graph-side">
          <aside className="card graph-panel" aria-live="polite">
            {selected?.kind === 'edge' && (
              <EdgePanel
                key={selected.id}
                id={selected.id}
                onRetired={(id) => {
                  graph.dropEdge(id);
                  void changed();
                }}
              />
            )}
            {selected?.kind === 'node' && <NodePanel key={selected.id} id={selected.id} onExpand={graph.expand} onChanged={(m) => void changed(m)} />}
            {!selected && <p className="muted small panel-placeholder">{t('graph.panelHint')}</p>}
          </aside>
          {stats && <PredicateBars byPredicate={stats.graph.byPredicate} />}
        </div>
      </div>
    </section>
  );
}
