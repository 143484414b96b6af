import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, type SearchHit, type SearchMode, type SearchResponse } from '../api.ts';
import { Badge, ErrorAlert, HeadingPath, Loading, useTitle } from '../components.tsx';
import { useLibT } from './i18n.ts';

const FEATURES = ['sentence', 'intent', 'section', 'coverage', 'heading', 'proximity', 'prior'] as const;
type Feature = (typeof FEATURES)[number];

/**
 * Retrieval test for knowledge managers: a query, the ranked passages, and why each ranks where it
 * does — keyword and meaning ranks, then the rerank's reasons in plain words, each as a bar.
 */
export function RetrievalTestPage() {
  const { t } = useLibT();
  useTitle(t('rt.title'));
  const [sp, setSp] = useSearchParams();
  const q = sp.get('q') ?? '';
  const mode = (['hybrid', 'bm25', 'vector'].includes(sp.get('mode') ?? '') ? sp.get('mode') : 'hybrid') as SearchMode;
  const [query, setQuery] = useState(q);
  const [res, setRes] = useState<SearchResponse | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (text: string, m: SearchMode) => {
    setBusy(true);
    setError(null);
    try {
      setRes(await api.search({ q: text, top: 10, mode: m, explain: true }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!query.trim()) return;
    setSp({ q: query.trim(), ...(mode === 'hybrid' ? {} : { mode }) }, { replace: true });
    void run(query.trim(), mode);
  };
  return (
    <section className="page retrieval-test-page">
      <h1 className="page-title">{t('rt.title')}</h1>
      <p className="muted">{t('rt.lead')}</p>
      <form className="card list-tools" onSubmit={submit} data-testid="rt-form">
        <input className="input list-search" name="q" value={query} onChange={(e) => setQuery(e.target.value)} placeholder={t('rt.placeholder')} aria-label={t('rt.placeholder')} />
        <label className="inline-field">
          <span className="muted small">{t('rt.mode')}</span>
          <select className="input" value={mode} onChange={(e) => setSp({ ...(q ? { q } : {}), mode: e.target.value }, { replace: true })} data-testid="rt-mode">
            {(['hybrid', 'bm25', 'vector'] as const).map((m) => (
              <option key={m} value={m}>
                {t(`rt.mode.${m}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="rt-submit">
          {t('rt.run')}
        </button>
      </form>
      {error ? <ErrorAlert error={error} /> : null}
      {busy && <Loading />}
      {res && !busy && (
        <>
          <p className="muted small" data-testid="rt-summary">
            {t('rt.summary', { n: res.results.length, ms: Math.round(res.tookMs) })}
            {res.terms.length > 0 && ` · ${t('rt.terms')}: ${res.terms.map((x) => (x.expandsTo.length ? `${x.surface}（${x.expandsTo.join('、')}）` : x.surface)).join(' · ')}`}
          </p>
          {res.results.length === 0 && <p className="card muted">{t('rt.none')}</p>}
          <ol className="rt-results">
            {res.results.map((h, i) => (
              <RankedHit key={h.chunkId} hit={h} rank={i + 1} />
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function RankedHit({ hit, rank }: { hit: SearchHit; rank: number }) {
  const { t } = useLibT();
  const why = hit.why;
  return (
    <li className="card rt-hit" data-testid="rt-hit" data-rank={rank}>
      <div className="rt-hit-head">
        <span className="rt-rank">{rank}</span>
        <Link to={`/passage/${encodeURIComponent(hit.chunkId)}`} className="source-link">
          {hit.citation}
        </Link>
        {hit.superseded && <Badge tone="red">{t('rt.superseded')}</Badge>}
      </div>
      <HeadingPath headings={hit.headingPath} />
      <p className="rt-text">{hit.text.length > 220 ? `${hit.text.slice(0, 220)}…` : hit.text}</p>
      <div className="rt-why" data-testid="rt-why">
        <div className="rt-why-line">
          {hit.bm25Rank !== null ? t('rt.bm25', { n: hit.bm25Rank }) : t('rt.bm25None')}
          {' · '}
          {hit.vectorRank !== null ? t('rt.vector', { n: hit.vectorRank }) : t('rt.vectorNone')}
          {why?.model !== null && why?.model !== undefined && ` · ${t('rt.model', { p: Math.round(why.model * 100) })}`}
        </div>
        {why?.features ? (
          <ul className="rt-features">
            {FEATURES.map((f) => (
              <FeatureBar key={f} name={f} value={(why.features as Record<Feature, number>)[f]} />
            ))}
          </ul>
        ) : (
          <p className="muted small">{t('rt.noRerank')}</p>
        )}
      </div>
    </li>
  );
}

function FeatureBar({ name, value }: { name: Feature; value: number }) {
  const { t } = useLibT();
  const pct = Math.round(value * 100);
  return (
    <li className="rt-feature" data-feature={name} title={t(`rt.f.${name}.hint`)}>
      <span className="rt-feature-name">{t(`rt.f.${name}`)}</span>
      <span className="rt-bar" aria-hidden="true">
        <span className="rt-bar-fill" style={{ width: `${pct}%` }} />
      </span>
      <span className="rt-feature-value">{pct}%</span>
    </li>
  );
}
