import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api, type PageDto, type SourceDto } from '../api.ts';
import { Badge, ErrorAlert, formatBytes, KindBadge, Loading, SourceStatusBadge, useTitle } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { EVIDENCE_LEVEL_LABELS } from '../../../ingest/evidence-level-names.ts';
import { PassageList } from '../library/PassageList.tsx';
import { SourceActions } from '../library/SourceActions.tsx';
import { PageBody } from '../PageBody.tsx';
import { RestoreVersion } from './RestoreVersion.tsx';

export function SourceDetailPage() {
  const { id = '' } = useParams();
  const { t, td, dateTime, lang } = useI18n();
  const [source, setSource] = useState<SourceDto | null>(null);
  const [error, setError] = useState<unknown>(null);

  /** Loads the source; while it is still being processed, looks again every 1.5 s. */
  const load = useCallback(
    (signal: AbortSignal) => {
      api
        .source(id, signal)
        .then((s) => {
          setSource(s);
          setError(null);
          if (s.status === 'pending') {
            const timer = setTimeout(() => load(signal), 1500);
            signal.addEventListener('abort', () => clearTimeout(timer));
          }
        })
        .catch((e) => {
          if (!signal.aborted) setError(e);
        });
    },
    [id],
  );
  useEffect(() => {
    const ctl = new AbortController();
    load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  useTitle(source?.title ?? t('detail.title'));

  if (error) {
    return (
      <section className="page">
        <BackToList />
        <ErrorAlert error={error} onRetry={() => load(new AbortController().signal)} />
      </section>
    );
  }
  if (!source)
    return (
      <section className="page">
        <Loading />
      </section>
    );
  const none = t('common.none');

  return (
    <section className="page source-detail-page">
      <BackToList />
      <header className="passage-header">
        <h1 className="page-title" data-testid="source-title">
          {source.title}
        </h1>
        <div className="passage-badges">
          <KindBadge kind={source.kind} />
          <SourceStatusBadge status={source.status} />
          {source.demo && <Badge tone="amber">{t('badge.demo')}</Badge>}
          {source.supersededBy && <Badge tone="red">{t('badge.superseded')}</Badge>}
          {source.retractedAt && <Badge tone="red" title={source.retractionNote ?? undefined}>{t('badge.retracted')}</Badge>}
          {source.evidenceLevel && <Badge tone="blue">{EVIDENCE_LEVEL_LABELS[source.evidenceLevel][lang]}</Badge>}
        </div>
      </header>
      {source.error && (
        <div className="alert alert-error" role="alert">
          <div className="alert-body">
            <strong className="alert-title">{t('detail.error')}</strong>
            <span className="alert-message">{source.error.message}</span>
            <code className="alert-code">{source.error.code}</code>
          </div>
        </div>
      )}
      <RestoreVersion source={source} onRestored={() => load(new AbortController().signal)} />
      <div className="two-col">
        <div className="col-main">
          <PageBrowser source={source} />
          {source.status !== 'pending' && <PassageList key={source.updatedAt} source={source} />}
        </div>
        <aside className="col-side">
          <SourceActions source={source} onChanged={() => load(new AbortController().signal)} />
          <div className="card">
            <dl className="meta">
              <dt>{t('meta.kind')}</dt>
              <dd>{td(`kind.${source.kind}`, source.kind)}</dd>
              <dt>{t('meta.publisher')}</dt>
              <dd>{source.publisher ?? none}</dd>
              <dt>{t('meta.version')}</dt>
              <dd>{source.version ?? none}</dd>
              <dt>{t('meta.year')}</dt>
              <dd>{source.year ?? none}</dd>
              <dt>{t('meta.language')}</dt>
              <dd>{td(`lang.${source.language}`, source.language)}</dd>
              <dt>{t('meta.pages')}</dt>
              <dd>{source.pageCount ?? none}</dd>
              <dt>{t('meta.chunks')}</dt>
              <dd>{source.chunkCount ?? none}</dd>
              <dt>{t('meta.paging')}</dt>
              <dd>{td(`paging.${source.paging}`, source.paging)}</dd>
              <dt>{t('meta.file')}</dt>
              <dd className="break">
                {source.fileName} <span className="muted">({formatBytes(source.byteSize)})</span>
              </dd>
              <dt>{t('meta.versionNo')}</dt>
              <dd>{source.versionNo}</dd>
              {source.supersededBy && (
                <>
                  <dt>{t('meta.supersededBy')}</dt>
                  <dd className="break mono">
                    <Link to={`/sources/${encodeURIComponent(source.supersededBy)}`}>{source.supersededBy}</Link>
                  </dd>
                </>
              )}
              <dt>{t('meta.created')}</dt>
              <dd>{dateTime(source.createdAt)}</dd>
              <dt>{t('meta.updated')}</dt>
              <dd>{dateTime(source.updatedAt)}</dd>
              <dt>{t('meta.id')}</dt>
              <dd className="break mono">{source.id}</dd>
            </dl>
          </div>
        </aside>
      </div>
    </section>
  );
}

function BackToList() {
  const { t } = useI18n();
  return (
    <div className="page-nav-top">
      <Link to="/sources" className="back-link">
        ← {t('detail.backToList')}
      </Link>
    </div>
  );
}

function PageBrowser({ source }: { source: SourceDto }) {
  const { t } = useI18n();
  const [sp, setSp] = useSearchParams();
  const pageCount = source.pageCount ?? 0;
  const requested = Math.trunc(Number(sp.get('page') ?? '1')) || 1;
  const page = Math.min(Math.max(1, requested), Math.max(1, pageCount));
  const [input, setInput] = useState(String(page));
  const [data, setData] = useState<PageDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => setInput(String(page)), [page]);
  useEffect(() => {
    if (pageCount < 1) return;
    const ctl = new AbortController();
    setLoading(true);
    api
      .page(source.id, page, ctl.signal)
      .then((p) => {
        setData(p);
        setError(null);
        setLoading(false);
      })
      .catch((e) => {
        if (!ctl.signal.aborted) {
          setError(e);
          setLoading(false);
        }
      });
    return () => ctl.abort();
  }, [source.id, page, pageCount]);

  const goTo = (n: number) => setSp(n === 1 ? {} : { page: String(n) }, { replace: true });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const n = Math.trunc(Number(input));
    if (Number.isFinite(n) && n >= 1) goTo(Math.min(n, pageCount));
  };

  return (
    <div className="card page-browser">
      <div className="card-head">
        <h2 className="card-title">{t('detail.pageBrowser')}</h2>
      </div>
      {pageCount < 1 ? (
        <p className="muted">{t('detail.noPages')}</p>
      ) : (
        <>
          <form className="pager" onSubmit={onSubmit}>
            <button type="button" className="btn" onClick={() => goTo(page - 1)} disabled={page <= 1} data-testid="prev-page">
              ← {t('common.prevPage')}
            </button>
            <label className="pager-label">
              {t('detail.pageNumber')}
              <input
                type="number"
                className="input input-page"
                min={1}
                max={pageCount}
                value={input}
                onChange={(e) => setInput(e.target.value)}
                data-testid="page-input"
              />
              <span className="muted">{t('common.pageOf', { n: pageCount })}</span>
            </label>
            <button type="submit" className="btn btn-small">
              {t('common.goto')}
            </button>
            <button type="button" className="btn" onClick={() => goTo(page + 1)} disabled={page >= pageCount} data-testid="next-page">
              {t('common.nextPage')} →
            </button>
          </form>
          {error ? <ErrorAlert error={error} /> : null}
          {data && (
            <article className={`page-text${loading ? ' is-loading' : ''}`} data-page={data.page}>
              <div className="page-label">{t('common.page', { n: data.page })}</div>
              <div className="page-body">{data.text.trim() ? <PageBody text={data.text} tables={data.tables} /> : <span className="muted">{t('detail.emptyPage')}</span>}</div>
            </article>
          )}
          {!data && !error && <Loading />}
        </>
      )}
    </div>
  );
}
