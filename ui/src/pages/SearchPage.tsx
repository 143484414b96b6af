import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { api, type SearchHit, type SearchMode, type SearchResponse, SOURCE_KINDS } from '../api.ts';
import { Badge, ErrorAlert, HeadingPath, KindBadge, Loading, MarkedText, useTitle } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { CollectionPicker } from '../library/CollectionPicker.tsx';
import { useCollectionChoice } from '../library/collections.ts';

const MODES: readonly SearchMode[] = ['hybrid', 'bm25', 'vector'];
const EXAMPLES = ['磨玻璃结节 随访', 'GGO', 'DWI 急性脑梗死', '胎盘植入 MRI', '肺癌 TNM 分期'];
const PAGE = 10;
const MAX_TOP = 50;

interface Filters {
  kinds: string[];
  yearFrom: string;
  yearTo: string;
  mode: SearchMode;
  includeSuperseded: boolean;
  /** Collection ids; none: every collection the user may see. */
  collections: string[];
}

/** The filters a search URL names; collections not in the URL are the user's remembered choice. */
function filtersFrom(sp: URLSearchParams, remembered: string[] = []): Filters {
  const mode = sp.get('mode');
  return {
    collections: sp.has('collection') ? (sp.get('collection') ?? '').split(',').filter(Boolean) : remembered,
    kinds: (sp.get('kind') ?? '').split(',').filter(Boolean),
    yearFrom: sp.get('yearFrom') ?? '',
    yearTo: sp.get('yearTo') ?? '',
    mode: MODES.includes(mode as SearchMode) ? (mode as SearchMode) : 'hybrid',
    includeSuperseded: sp.get('includeSuperseded') === 'true',
  };
}

function paramsFor(q: string, f: Filters, top?: number): URLSearchParams {
  const sp = new URLSearchParams();
  sp.set('q', q);
  if (f.kinds.length) sp.set('kind', f.kinds.join(','));
  if (f.yearFrom.trim()) sp.set('yearFrom', f.yearFrom.trim());
  if (f.yearTo.trim()) sp.set('yearTo', f.yearTo.trim());
  if (f.mode !== 'hybrid') sp.set('mode', f.mode);
  if (f.includeSuperseded) sp.set('includeSuperseded', 'true');
  // Always in the URL once chosen (even 「全部」), so a shared link searches what its sender searched.
  sp.set('collection', f.collections.join(','));
  if (top && top !== PAGE) sp.set('top', String(top));
  return sp;
}

function intOrUndefined(s: string | null): number | undefined {
  if (!s?.trim()) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

export function SearchPage() {
  const { t } = useI18n();
  const [sp] = useSearchParams();
  const navigate = useNavigate();
  const location = useLocation();
  const urlQ = sp.get('q');
  const key = sp.toString();
  const top = Math.min(MAX_TOP, intOrUndefined(sp.get('top')) ?? PAGE);

  const { chosen, setChosen, collections } = useCollectionChoice();
  const remembered = useRef(chosen);
  remembered.current = chosen;
  const [q, setQ] = useState(urlQ ?? '');
  const [filters, setFilters] = useState<Filters>(() => filtersFrom(sp, chosen));
  const inputRef = useRef<HTMLInputElement>(null);
  // Keep the form in step with the URL (back/forward, example links); focus the box on a fresh page.
  useEffect(() => {
    const params = new URLSearchParams(key);
    setQ(params.get('q') ?? '');
    setFilters(filtersFrom(params, remembered.current));
    if (!params.has('q')) inputRef.current?.focus();
  }, [key]);

  const [state, setState] = useState<{
    loading: boolean;
    data: SearchResponse | null;
    error: unknown;
  }>({ loading: false, data: null, error: null });
  useEffect(() => {
    const params = new URLSearchParams(key);
    const query = params.get('q');
    if (query === null) {
      setState({ loading: false, data: null, error: null });
      return;
    }
    const f = filtersFrom(params, remembered.current);
    const ctl = new AbortController();
    setState((s) => ({ loading: true, data: s.data, error: null }));
    api
      .search(
        {
          q: query,
          top: Math.min(MAX_TOP, intOrUndefined(params.get('top')) ?? PAGE),
          kind: f.kinds,
          yearFrom: intOrUndefined(f.yearFrom),
          yearTo: intOrUndefined(f.yearTo),
          mode: f.mode,
          includeSuperseded: f.includeSuperseded,
          collection: f.collections,
        },
        ctl.signal,
      )
      .then((data) => setState({ loading: false, data, error: null }))
      .catch((error) => {
        if (!ctl.signal.aborted) setState({ loading: false, data: null, error });
      });
    return () => ctl.abort();
  }, [key]);

  useTitle(urlQ ? `${urlQ} · ${t('search.title')}` : t('search.title'));

  const go = (query: string, f: Filters, nextTop?: number) => navigate(`/search?${paramsFor(query, f, nextTop).toString()}`);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    go(q, filters);
  };
  /** Filter changes re-run a search that is already on screen. */
  const applyFilters = (f: Filters) => {
    setFilters(f);
    if (urlQ !== null) go(urlQ, f);
  };
  const toggleKind = (kind: string, on: boolean) => {
    const kinds = on ? [...filters.kinds, kind] : filters.kinds.filter((k) => k !== kind);
    applyFilters({
      ...filters,
      kinds: SOURCE_KINDS.filter((k) => kinds.includes(k)),
    });
  };
  const applyYears = () => {
    const current = filtersFrom(sp, remembered.current);
    if (urlQ !== null && (current.yearFrom !== filters.yearFrom.trim() || current.yearTo !== filters.yearTo.trim())) go(urlQ, filters);
  };

  return (
    <section className="page search-page">
      <search>
        <form className="search-form" onSubmit={onSubmit}>
          <div className="search-box">
            <label htmlFor="q" className="sr-only">
              {t('search.label')}
            </label>
            <input
              id="q"
              name="q"
              type="search"
              className="search-input"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              placeholder={t('search.placeholder')}
              autoComplete="off"
              ref={inputRef}
            />
            <button type="submit" className="btn btn-primary search-submit">
              {t('search.submit')}
            </button>
          </div>
          {state.data && <Expansions data={state.data} />}
          <CollectionPicker
            collections={collections}
            chosen={filters.collections}
            onChange={(ids) => {
              setChosen(ids);
              applyFilters({ ...filters, collections: ids });
            }}
          />
          <fieldset className="filters">
            <legend className="sr-only">{t('search.filters')}</legend>
            <div className="filter-group">
              <span className="filter-label">{t('search.kind')}</span>
              {SOURCE_KINDS.map((k) => (
                <label key={k} className="check">
                  <input type="checkbox" name="kind" value={k} checked={filters.kinds.includes(k)} onChange={(e) => toggleKind(k, e.target.checked)} />
                  {t(`kind.${k}`)}
                </label>
              ))}
            </div>
            <div className="filter-group">
              <span className="filter-label">{t('search.year')}</span>
              <input
                type="number"
                name="yearFrom"
                className="input input-year"
                min={1900}
                max={2200}
                placeholder={t('search.yearFrom')}
                aria-label={`${t('search.year')} ${t('search.yearFrom')}`}
                value={filters.yearFrom}
                onChange={(e) => setFilters({ ...filters, yearFrom: e.target.value })}
                onBlur={applyYears}
              />
              <span className="muted">–</span>
              <input
                type="number"
                name="yearTo"
                className="input input-year"
                min={1900}
                max={2200}
                placeholder={t('search.yearTo')}
                aria-label={`${t('search.year')} ${t('search.yearTo')}`}
                value={filters.yearTo}
                onChange={(e) => setFilters({ ...filters, yearTo: e.target.value })}
                onBlur={applyYears}
              />
            </div>
            <fieldset className="plain filter-group">
              <legend className="filter-label legend-inline">{t('search.mode')}</legend>
              <div className="segmented">
                {MODES.map((m) => (
                  <label key={m} className={filters.mode === m ? 'active' : ''}>
                    <input type="radio" name="mode" value={m} checked={filters.mode === m} onChange={() => applyFilters({ ...filters, mode: m })} />
                    {t(`search.mode.${m}`)}
                  </label>
                ))}
              </div>
            </fieldset>
            <label className="check">
              <input
                type="checkbox"
                name="includeSuperseded"
                checked={filters.includeSuperseded}
                onChange={(e) =>
                  applyFilters({
                    ...filters,
                    includeSuperseded: e.target.checked,
                  })
                }
              />
              {t('search.includeSuperseded')}
            </label>
          </fieldset>
        </form>
      </search>

      {state.error ? <ErrorAlert error={state.error} title={t('search.failed')} /> : null}
      {state.loading && !state.data && <Loading label={t('search.searching')} />}
      {urlQ === null && !state.error && <Welcome />}
      {state.data && (
        <Results
          data={state.data}
          loading={state.loading}
          from={location.pathname + location.search}
          canMore={state.data.results.length >= top && top < MAX_TOP}
          onMore={() => go(urlQ ?? '', filtersFrom(sp, remembered.current), Math.min(MAX_TOP, top + PAGE))}
        />
      )}
    </section>
  );
}

function Welcome() {
  const { t } = useI18n();
  return (
    <div className="welcome">
      <p>{t('search.welcome')}</p>
      <p className="examples">
        <span className="muted">{t('search.examples')}</span>
        {EXAMPLES.map((ex) => (
          <Link key={ex} to={`/search?q=${encodeURIComponent(ex)}`} className="chip">
            {ex}
          </Link>
        ))}
      </p>
    </div>
  );
}

/** "GGO → 磨玻璃结节 / ground-glass nodule / …" for every query term the lexicon expanded. */
function Expansions({ data }: { data: SearchResponse }) {
  const { t } = useI18n();
  const items = useMemo(
    () =>
      data.terms
        .map((term) => {
          const seen = new Set([term.surface.toLowerCase()]);
          const to = term.expandsTo.filter((s) => {
            const k = s.toLowerCase();
            if (seen.has(k)) return false;
            seen.add(k);
            return true;
          });
          return { surface: term.surface, to };
        })
        .filter((x) => x.to.length > 0),
    [data],
  );
  if (!items.length) return null;
  return (
    <div className="expansions" data-testid="expansions">
      <span className="filter-label">{t('search.expansions')}</span>
      {items.map((x) => (
        <span key={x.surface} className="expansion">
          <b>{displaySurface(x.surface, data.query)}</b>
          <span className="arrow">{' → '}</span>
          {x.to.join(' / ')}
        </span>
      ))}
    </div>
  );
}

/** Terms come back lower-cased; show them as the user typed them when we can find them. */
function displaySurface(surface: string, query: string): string {
  const i = query.toLowerCase().indexOf(surface.toLowerCase());
  return i >= 0 ? query.slice(i, i + surface.length) : surface;
}

function Results({ data, loading, from, canMore, onMore }: { data: SearchResponse; loading: boolean; from: string; canMore: boolean; onMore: () => void }) {
  const { t, td } = useI18n();
  if (data.results.length === 0) {
    return (
      <div className="empty" data-testid="no-results">
        <h2>{t('search.empty')}</h2>
        <p className="muted">{t('search.emptyHint')}</p>
      </div>
    );
  }
  return (
    <div className={`results${loading ? ' is-loading' : ''}`} aria-busy={loading}>
      <p className="results-meta muted">
        {t('search.resultsCount', {
          n: data.results.length,
          ms: Math.round(data.tookMs),
        })}
        <span className="ready-sep">·</span>
        {td(`search.mode.${data.mode}`, data.mode)}
      </p>
      <ol className="hits">
        {data.results.map((hit, i) => (
          <Hit key={hit.chunkId} hit={hit} rank={i + 1} from={from} />
        ))}
      </ol>
      {canMore && (
        <div className="more">
          <button type="button" className="btn" onClick={onMore} disabled={loading}>
            {t('search.more')}
          </button>
        </div>
      )}
    </div>
  );
}

function Hit({ hit, rank, from }: { hit: SearchHit; rank: number; from: string }) {
  const { t } = useI18n();
  const none = t('common.none');
  return (
    <li className="hit" data-chunk-id={hit.chunkId} data-source-id={hit.sourceId}>
      <div className="hit-rank">
        <span className="sr-only">{t('search.rank', { n: rank })}</span>
        <span aria-hidden="true">{rank}</span>
      </div>
      <div className="hit-main">
        <div className="hit-head">
          <h3 className="hit-citation">{hit.citation}</h3>
          <KindBadge kind={hit.kind} />
          {hit.superseded && (
            <Badge tone="red">
              <span data-testid="superseded">{t('badge.superseded')}</span>
            </Badge>
          )}
          {hit.retracted && (
            <Badge tone="red">
              <span data-testid="retracted">{t('badge.retracted')}</span>
            </Badge>
          )}
        </div>
        <HeadingPath headings={hit.headingPath} />
        <p className="hit-text">
          <MarkedText text={hit.text} ranges={hit.highlights} />
        </p>
        <div className="hit-foot">
          <span className="hit-ranks">
            {t('search.rankBm25', { n: hit.bm25Rank ?? none })}
            <span className="ready-sep">·</span>
            {t('search.rankVector', { n: hit.vectorRank ?? none })}
          </span>
          {hit.publisher && <span className="muted">{hit.publisher}</span>}
          <Link to={`/passage/${encodeURIComponent(hit.chunkId)}`} state={{ from }} className="hit-open" data-testid="open-in-context">
            {t('search.openInContext')} →
          </Link>
        </div>
      </div>
    </li>
  );
}
