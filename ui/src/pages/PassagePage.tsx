import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useParams, useSearchParams } from 'react-router-dom';
import { api, type ChunkViewDto, type SourceDto } from '../api.ts';
import { Badge, ErrorAlert, formatBytes, HeadingPath, KindBadge, Loading, SourceStatusBadge, useTitle } from '../components.tsx';
import { locatePassage, type Range } from '../highlight.ts';
import { useI18n } from '../i18n.ts';
import { useLibT } from '../library/i18n.ts';
import { PdfPages } from '../library/PdfPages.tsx';
import { PageBody } from '../PageBody.tsx';
import type { PageTable } from '../tables.ts';

interface Shown {
  pages: Array<{ page: number; text: string; tables: PageTable[] }>;
  /** True while the pages on screen are the passage's own pages (the passage is highlighted). */
  cited: boolean;
}

export function PassagePage() {
  const { chunkId = '' } = useParams();
  const { t } = useI18n();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from;
  const [view, setView] = useState<ChunkViewDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  const [pageError, setPageError] = useState<unknown>(null);
  const [pageLoading, setPageLoading] = useState(false);
  const markRef = useRef<HTMLElement>(null);
  const [sp, setSp] = useSearchParams();
  const asPdf = sp.get('view') === 'pdf';
  const { t: tl, dateTime } = useLibT();

  const load = useCallback(
    (signal?: AbortSignal) => {
      setView(null);
      setError(null);
      setShown(null);
      api
        .chunk(chunkId, signal)
        .then((v) => {
          setView(v);
          setShown({ pages: v.pages, cited: true });
        })
        .catch((e) => {
          if (!signal?.aborted) setError(e);
        });
    },
    [chunkId],
  );
  useEffect(() => {
    const ctl = new AbortController();
    load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  useTitle(view ? view.chunk.citation : t('passage.title'));

  // A passage cut from a table is marked row by row in the drawn table; prose is located in the page text.
  const ranges = useMemo<Range[][]>(
    () =>
      view && !view.chunk.table
        ? locatePassage(
            view.pages.map((p) => p.text),
            view.chunk.text,
            view.chunk.charStart,
          )
        : [],
    [view],
  );

  // Bring the cited passage into view once it is on screen.
  useEffect(() => {
    const mark = markRef.current;
    if (!shown?.cited || !mark) return;
    // Only scroll when the passage is not already in view, so the citation header stays visible.
    const r = mark.getBoundingClientRect();
    if (r.top < 80 || r.top > window.innerHeight - 120) mark.scrollIntoView({ block: 'center' });
  }, [shown]);

  if (error)
    return (
      <section className="page">
        <ErrorAlert error={error} onRetry={() => load()} />
      </section>
    );
  if (!view || !shown)
    return (
      <section className="page">
        <Loading />
      </section>
    );

  const { chunk, source } = view;
  const first = shown.pages[0]?.page ?? chunk.pageStart;
  const last = shown.pages.at(-1)?.page ?? chunk.pageEnd;
  const pageCount = source.pageCount ?? chunk.pageEnd;

  const showPage = async (n: number) => {
    setPageLoading(true);
    setPageError(null);
    try {
      const p = await api.page(source.id, n);
      setShown({ pages: [{ page: p.page, text: p.text, tables: p.tables }], cited: false });
      window.scrollTo({ top: 0 });
    } catch (e) {
      setPageError(e);
    } finally {
      setPageLoading(false);
    }
  };

  return (
    <section className="page passage-page">
      <div className="page-nav-top">
        {from ? (
          <Link to={from} className="back-link">
            ← {t('passage.backToSearch')}
          </Link>
        ) : (
          <Link to="/" className="back-link">
            ← {t('nav.search')}
          </Link>
        )}
      </div>
      <header className="passage-header">
        <h1 className="passage-citation" data-testid="passage-citation">
          {chunk.citation}
        </h1>
        <div className="passage-badges">
          <KindBadge kind={source.kind} />
          {source.demo && <Badge tone="amber">{t('badge.demo')}</Badge>}
          {source.supersededBy && <Badge tone="red">{t('badge.superseded')}</Badge>}
          {source.retractedAt && <Badge tone="red" title={source.retractionNote ?? undefined}>{t('badge.retracted')}</Badge>}
          <span className="muted">{t('passage.chunk', { n: chunk.ordinal + 1 })}</span>
        </div>
        <HeadingPath headings={chunk.headingPath} />
      </header>

      {chunk.disabled && (
        <div className="alert alert-warn" role="status" data-testid="passage-disabled">
          {tl('passage.disabledNotice', { by: chunk.disabled.by, at: dateTime(chunk.disabled.at), reason: chunk.disabled.reason })}
        </div>
      )}
      <div className="two-col">
        <div className="col-main">
          {source.mime === 'application/pdf' && (
            <fieldset className="plain segmented view-switch">
              <legend className="sr-only">{tl('pdf.switch')}</legend>
              <button type="button" className={asPdf ? '' : 'active'} aria-pressed={!asPdf} onClick={() => setSp({}, { replace: true })} data-view="text">
                {tl('pdf.text')}
              </button>
              <button type="button" className={asPdf ? 'active' : ''} aria-pressed={asPdf} onClick={() => setSp({ view: 'pdf' }, { replace: true })} data-view="pdf">
                {tl('pdf.view')}
              </button>
            </fieldset>
          )}
          {asPdf && source.mime === 'application/pdf' ? (
            <PdfPages sourceId={source.id} pageStart={chunk.pageStart} pageEnd={chunk.pageEnd} passage={chunk.text} />
          ) : (
          <>
          <div className="pager">
            <button type="button" className="btn" onClick={() => showPage(first - 1)} disabled={first <= 1 || pageLoading} data-testid="prev-page">
              ← {t('common.prevPage')}
            </button>
            <span className="pager-label">
              {first === last ? t('common.page', { n: first }) : t('common.pages', { from: first, to: last })}
              <span className="muted"> {t('common.pageOf', { n: pageCount })}</span>
            </span>
            <button type="button" className="btn" onClick={() => showPage(last + 1)} disabled={last >= pageCount || pageLoading} data-testid="next-page">
              {t('common.nextPage')} →
            </button>
            {!shown.cited && (
              <button type="button" className="btn btn-primary" onClick={() => setShown({ pages: view.pages, cited: true })} data-testid="back-to-passage">
                {t('passage.backToPassage')}
              </button>
            )}
          </div>
          {pageError ? <ErrorAlert error={pageError} /> : null}
          {!shown.cited && <p className="notice">{t('passage.notShown', { n: first })}</p>}
          {shown.pages.map((p, i) => (
            <article key={p.page} className="page-text" data-page={p.page}>
              <div className="page-label">{t('common.page', { n: p.page })}</div>
              <div className="page-body">
                <PageBody
                  text={p.text}
                  tables={p.tables}
                  ranges={shown.cited ? (ranges[i] ?? []) : []}
                  markClass="passage-mark"
                  markedRows={shown.cited && chunk.table && p.page === chunk.pageStart ? { ordinal: chunk.table.ordinal, from: chunk.table.rowStart, to: chunk.table.rowStart + chunk.table.rows.length } : undefined}
                  onFirstMark={i === firstMarkedPage(ranges) || (chunk.table && p.page === chunk.pageStart) ? (el) => { markRef.current = el; } : undefined}
                />
              </div>
            </article>
          ))}
          </>
          )}
        </div>
        <aside className="col-side">
          <SourceCard source={source} citation={chunk.citation} />
        </aside>
      </div>
    </section>
  );
}

function firstMarkedPage(ranges: Range[][]): number {
  return ranges.findIndex((r) => r.length > 0);
}

export function SourceCard({ source, citation }: { source: SourceDto; citation?: string }) {
  const { t, td } = useI18n();
  return (
    <div className="card">
      {citation && (
        <div className="side-citation">
          <div className="side-citation-label">{t('passage.citation')}</div>
          <div className="side-citation-text">{citation}</div>
        </div>
      )}
      <h2 className="card-title">{t('passage.source')}</h2>
      <p className="source-title">{source.title}</p>
      <dl className="meta">
        <dt>{t('meta.kind')}</dt>
        <dd>{td(`kind.${source.kind}`, source.kind)}</dd>
        <dt>{t('meta.publisher')}</dt>
        <dd>{source.publisher ?? t('common.none')}</dd>
        <dt>{t('meta.version')}</dt>
        <dd>{source.version ?? t('common.none')}</dd>
        <dt>{t('meta.year')}</dt>
        <dd>{source.year ?? t('common.none')}</dd>
        <dt>{t('meta.language')}</dt>
        <dd>{td(`lang.${source.language}`, source.language)}</dd>
        <dt>{t('meta.pages')}</dt>
        <dd>{source.pageCount ?? t('common.none')}</dd>
        <dt>{t('meta.file')}</dt>
        <dd className="break">
          {source.fileName} <span className="muted">({formatBytes(source.byteSize)})</span>
        </dd>
        <dt>{t('meta.status')}</dt>
        <dd>
          <SourceStatusBadge status={source.status} />
        </dd>
      </dl>
      <Link to={`/sources/${encodeURIComponent(source.id)}`} className="btn btn-block" data-testid="open-source">
        {t('passage.openSource')} →
      </Link>
    </div>
  );
}
