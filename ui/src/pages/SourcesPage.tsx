import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, api, fileSha256, type JobDto, SOURCE_KINDS, type SourceDto, UPLOAD_ACCEPT, uploadSource } from '../api.ts';
import { type ListedSourceDto, libraryApi, pmidOf, type Shelf, type SourcePageDto, type SourceSort } from '../library/api.ts';
import { CollectionsCard } from '../library/CollectionsCard.tsx';
import { type CollectionDto, collectionsApi, useCollections } from '../library/collections.ts';
import { useLibT } from '../library/i18n.ts';
import { Pager } from '../library/Pager.tsx';
import { useAuth } from '../security/auth.tsx';
import { Badge, ErrorAlert, formatBytes, KindBadge, Loading, ProgressBar, SourceStatusBadge, useTitle } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { type NameMatch, SameNameChoice, type VersionChoice } from './SameNameChoice.tsx';

const PAGE_SIZE = 25;

/**
 * The knowledge base: guidelines and textbooks on one shelf, literature (PubMed records) on another;
 * searched, filtered by kind and status, sorted and paged by the server. Uploading is shown only to
 * people who may manage sources.
 */
export function SourcesPage() {
  const { t, td } = useI18n();
  const { t: tl } = useLibT();
  const { can } = useAuth();
  useTitle(t('sources.title'));
  const [sp, setSp] = useSearchParams();
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const shelf: Shelf = sp.get('shelf') === 'literature' ? 'literature' : 'documents';
  const kind = sp.get('kind') ?? '';
  const q = sp.get('q') ?? '';
  const status = sp.get('status') ?? '';
  const sort = (SORTS as readonly string[]).includes(sp.get('sort') ?? '') ? (sp.get('sort') as SourceSort) : 'created';
  const offset = Math.max(0, Math.trunc(Number(sp.get('offset') ?? '0')) || 0);
  const collection = sp.get('collection') ?? '';
  const manage = can('sources.manage');
  const [tick, setTick] = useState(0);
  const collections = useCollections(tick);
  const [changeNotice, setChangeNotice] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [query, setQuery] = useState(q);
  const [list, setList] = useState<SourcePageDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ctlRef = useRef<AbortController | null>(null);
  useEffect(() => setQuery(q), [q]);

  /** Change some list parameters; any change but paging starts again at the first page. */
  const update = (patch: Record<string, string>) => {
    const next = new URLSearchParams(sp);
    for (const [k, v] of Object.entries(patch)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!('offset' in patch)) next.delete('offset');
    setSp(next, { replace: true });
  };

  /** (Re)loads the page of the list, cancelling any load in flight; polls while sources on it are pending. */
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick reloads the list after a collection change
  const refresh = useCallback(() => {
    ctlRef.current?.abort();
    const ctl = new AbortController();
    ctlRef.current = ctl;
    const run = () =>
      libraryApi
        .list({ shelf, kind: kind || undefined, q: q || undefined, status: status || undefined, sort, limit: PAGE_SIZE, offset, collection: collection || undefined }, ctl.signal)
        .then((l) => {
          setList(l);
          setError(null);
          if (l.items.some((s) => s.status === 'pending')) {
            const timer = setTimeout(run, 2000);
            ctl.signal.addEventListener('abort', () => clearTimeout(timer));
          }
        })
        .catch((e) => {
          if (!ctl.signal.aborted) setError(e);
        });
    void run();
  }, [shelf, kind, q, status, sort, offset, collection, tick]);
  useEffect(() => {
    refresh();
    return () => ctlRef.current?.abort();
  }, [refresh]);
  /** After a collection change: reload the collections and the list, say what happened. */
  const changed = (notice: string) => {
    setChangeNotice(notice);
    setTick((n) => n + 1);
  };

  const kinds = shelf === 'literature' ? [] : SOURCE_KINDS.filter((k) => k !== 'literature');
  return (
    <section className="page sources-page">
      <h1 className="page-title">{t('sources.title')}</h1>
      {notice && (
        <div className="alert alert-success" role="status" data-testid="sources-notice">
          {notice}
        </div>
      )}
      {changeNotice && (
        <div className="alert alert-success" role="status" data-testid="collections-notice">
          {changeNotice}
        </div>
      )}
      {manage && <UploadCard onChanged={refresh} />}
      {manage && (
        <CollectionsCard
          items={collections.items}
          error={collections.error}
          onChanged={changed}
          active={collection}
          onShow={(id) => update({ collection: id })}
        />
      )}
      <div className="card">
        <div className="tabs" role="tablist" aria-label={t('sources.list')}>
          {(['documents', 'literature'] as const).map((s) => (
            <button
              key={s}
              type="button"
              role="tab"
              aria-selected={shelf === s}
              className={`tab${shelf === s ? ' active' : ''}`}
              onClick={() => update({ shelf: s === 'documents' ? '' : s, kind: '' })}
              data-shelf={s}
            >
              {tl(`shelf.${s}`)}
            </button>
          ))}
        </div>
        <form
          className="list-tools"
          aria-label={tl('search.label')}
          onSubmit={(e) => {
            e.preventDefault();
            update({ q: query.trim() });
          }}
        >
          <input
            type="search"
            className="input list-search"
            placeholder={tl('search.placeholder')}
            aria-label={tl('search.label')}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            data-testid="sources-search"
          />
          {(collections.items?.length ?? 0) > 1 && (
            <label className="inline-field">
              <span className="muted small">{tl('collections.filter')}</span>
              <select className="input" value={collection} onChange={(e) => update({ collection: e.target.value })} data-testid="sources-collection">
                <option value="">{tl('collections.filterAll')}</option>
                {collections.items?.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label className="inline-field">
            <span className="muted small">{tl('status.label')}</span>
            <select className="input" value={status} onChange={(e) => update({ status: e.target.value })} data-testid="sources-status">
              <option value="">{tl('status.all')}</option>
              {(['ready', 'pending', 'failed'] as const).map((st) => (
                <option key={st} value={st}>
                  {td(`sourceStatus.${st}`, st)}
                </option>
              ))}
            </select>
          </label>
          <label className="inline-field">
            <span className="muted small">{tl('sort.label')}</span>
            <select className="input" value={sort} onChange={(e) => update({ sort: e.target.value === 'created' ? '' : e.target.value })} data-testid="sources-sort">
              {SORTS.map((o) => (
                <option key={o} value={o}>
                  {tl(`sort.${o}`)}
                </option>
              ))}
            </select>
          </label>
        </form>
        {kinds.length > 0 && (
          <fieldset className="plain chips kind-chips">
            <legend className="sr-only">{t('sources.filterKind')}</legend>
            <button type="button" className={`chip${kind === '' ? ' active' : ''}`} onClick={() => update({ kind: '' })} aria-pressed={kind === ''}>
              {t('sources.all')}
            </button>
            {kinds.map((k) => (
              <button key={k} type="button" className={`chip${kind === k ? ' active' : ''}`} onClick={() => update({ kind: k })} aria-pressed={kind === k} data-kind-filter={k}>
                {t(`kind.${k}`)} <span className="chip-count">{list?.byKind[k] ?? 0}</span>
              </button>
            ))}
          </fieldset>
        )}
        {error ? <ErrorAlert error={error} onRetry={refresh} /> : null}
        {!list && !error && <Loading />}
        {manage && selected.size > 0 && collections.items && (
          <SelectionBar ids={[...selected]} collections={collections.items} onDone={(notice) => {
            setSelected(new Set());
            changed(notice);
          }} onClear={() => setSelected(new Set())} />
        )}
        {list && <SourcesTable items={list.items} shelf={shelf} selected={manage ? selected : null} onSelect={setSelected} hide={collections.items?.find((c) => c.isDefault)?.id} />}
        {list && (
          <div className="list-foot">
            <span className="muted small">{t('sources.count', { n: list.total })}</span>
            <Pager offset={offset} limit={PAGE_SIZE} total={list.total} onChange={(o) => update({ offset: o ? String(o) : '' })} />
          </div>
        )}
      </div>
    </section>
  );
}

const SORTS: readonly SourceSort[] = ['created', 'title', 'year', 'updated'];

/** Put the selected sources into a collection, or take them out of one. */
function SelectionBar({ ids, collections, onDone, onClear }: { ids: string[]; collections: CollectionDto[]; onDone: (notice: string) => void; onClear: () => void }) {
  const { t: tl } = useLibT();
  const [target, setTarget] = useState(collections.find((c) => !c.isDefault)?.id ?? collections[0]?.id ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const act = async (add: boolean) => {
    const c = collections.find((x) => x.id === target);
    if (!c) return;
    setBusy(true);
    setError(null);
    try {
      const r = add ? await collectionsApi.addSources(c.id, ids) : await collectionsApi.removeSources(c.id, ids);
      onDone(tl(add ? 'collections.added' : 'collections.removed', { n: r.changed.length, name: c.name }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="selection-bar" data-testid="selection-bar">
      <b>{tl('collections.selected', { n: ids.length })}</b>
      <label className="inline-field">
        <span className="muted small">{tl('collections.target')}</span>
        <select className="input" value={target} onChange={(e) => setTarget(e.target.value)} data-testid="selection-target">
          {collections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => void act(true)} data-testid="selection-add">
        {tl('collections.add')}
      </button>
      <button type="button" className="btn btn-small" disabled={busy} onClick={() => void act(false)} data-testid="selection-remove">
        {tl('collections.removeFrom')}
      </button>
      <button type="button" className="btn btn-small btn-link" onClick={onClear}>
        {tl('collections.clear')}
      </button>
      {error ? <ErrorAlert error={error} /> : null}
    </div>
  );
}

function SourcesTable({ items, shelf, selected, onSelect, hide }: {
  items: ListedSourceDto[];
  shelf: Shelf;
  /** Selected source ids (managers), or null when sources cannot be selected. */
  selected: Set<string> | null;
  onSelect: (ids: Set<string>) => void;
  /** A collection not worth a badge on every row (the default one). */
  hide?: string;
}) {
  const { t, dateTime } = useI18n();
  const { t: tl } = useLibT();
  const navigate = useNavigate();
  if (items.length === 0) return <p className="empty-row muted">{t('sources.emptyList')}</p>;
  const none = t('common.none');
  const literature = shelf === 'literature';
  const allOnPage = selected !== null && items.every((s) => selected.has(s.id));
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected ?? []);
    if (on) next.add(id);
    else next.delete(id);
    onSelect(next);
  };
  return (
    <div className="table-wrap">
      <table className="table sources-table" data-shelf={shelf}>
        <thead>
          <tr>
            {selected && (
              <th className="cell-select">
                <input
                  type="checkbox"
                  aria-label={tl('collections.selectAll')}
                  checked={allOnPage}
                  onChange={(e) => onSelect(new Set(e.target.checked ? [...selected, ...items.map((s) => s.id)] : [...selected].filter((id) => !items.some((s) => s.id === id))))}
                  data-testid="select-page"
                />
              </th>
            )}
            <th>{t('sources.col.title')}</th>
            {literature ? <th>{tl('col.journal')}</th> : <th>{t('sources.col.kind')}</th>}
            {literature ? <th>{tl('col.pmid')}</th> : <th>{tl('col.edition')}</th>}
            {literature && <th className="num">{t('sources.col.year')}</th>}
            {!literature && <th className="num">{t('sources.col.pages')}</th>}
            <th className="num">{t('sources.col.chunks')}</th>
            <th>{t('sources.col.status')}</th>
            <th>{t('sources.col.created')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => {
            const href = `/sources/${encodeURIComponent(s.id)}`;
            const edition = [s.version, s.year].filter((v) => v !== null && v !== '').join(' · ');
            return (
              <tr key={s.id} className="clickable" onClick={() => navigate(href)} data-source-id={s.id}>
                {selected && (
                  <td className="cell-select" onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.stopPropagation()}>
                    <input
                      type="checkbox"
                      aria-label={tl('collections.selectOne', { title: s.title })}
                      checked={selected.has(s.id)}
                      onChange={(e) => toggle(s.id, e.target.checked)}
                      data-testid="select-source"
                    />
                  </td>
                )}
                <td className="cell-title">
                  <Link to={href} onClick={(e) => e.stopPropagation()} className="source-link">
                    {s.title}
                  </Link>
                  <div className="cell-sub">
                    {s.demo && <Badge tone="amber">{t('badge.demo')}</Badge>}
                    {s.supersededBy && <Badge tone="red">{t('badge.superseded')}</Badge>}
                    {s.retractedAt && <Badge tone="red">{t('badge.retracted')}</Badge>}
                    {s.collections?.filter((c) => c.id !== hide).map((c) => (
                      <Badge key={c.id} tone="neutral" title={tl('collections.filter')}>
                        {c.name}
                      </Badge>
                    ))}
                  </div>
                </td>
                {literature ? <td className="cell-journal">{s.publisher ?? none}</td> : (
                  <td>
                    <KindBadge kind={s.kind} />
                  </td>
                )}
                {literature ? <td className="mono nowrap">{pmidOf(s) ?? none}</td> : <td data-col="edition">{edition || none}</td>}
                {literature && <td className="num">{s.year ?? none}</td>}
                {!literature && <td className="num">{s.pageCount ?? none}</td>}
                <td className="num">{s.chunkCount ?? none}</td>
                <td>
                  <SourceStatusBadge status={s.status} />
                  {s.error && (
                    <div className="cell-error" title={s.error.message}>
                      {s.error.message}
                    </div>
                  )}
                </td>
                <td className="nowrap muted">{dateTime(s.createdAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'uploading'; sent: number; total: number }
  | { kind: 'ingesting'; job: JobDto; source: SourceDto }
  | { kind: 'done'; job: JobDto; source: SourceDto }
  | { kind: 'failed'; job: JobDto; source: SourceDto }
  | { kind: 'duplicate'; source: SourceDto; message: string }
  | { kind: 'error'; error: unknown };

const EMPTY_META = {
  kind: '',
  title: '',
  publisher: '',
  version: '',
  year: '',
  language: '',
};

function UploadCard({ onChanged }: { onChanged: () => void }) {
  const { t } = useI18n();
  const fileRef = useRef<HTMLInputElement>(null);
  const [meta, setMeta] = useState(EMPTY_META);
  const [fileName, setFileName] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  /** Current sources sharing the chosen file's name, and what the uploader chose to do about them. */
  const [matches, setMatches] = useState<NameMatch[]>([]);
  const [choice, setChoice] = useState<VersionChoice | null>(null);
  const [checking, setChecking] = useState(false);
  const alive = useRef(true);
  const abortUpload = useRef<(() => void) | null>(null);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      abortUpload.current?.();
    };
  }, []);

  const busy = phase.kind === 'uploading' || phase.kind === 'ingesting';
  const needsChoice = matches.length > 0 && choice === null;

  /** Look up current sources of the same name (an identical file needs no choice: it is a duplicate). */
  const onFileChosen = async (file: File | undefined) => {
    setFileName(file?.name ?? '');
    setMatches([]);
    setChoice(null);
    if (!file) return;
    setChecking(true);
    try {
      const found = await api.nameMatches(file.name, await fileSha256(file));
      if (alive.current && fileRef.current?.files?.[0] === file) setMatches(found.duplicate ? [] : found.matches);
    } catch (e) {
      if (alive.current) setPhase({ kind: 'error', error: e });
    } finally {
      if (alive.current) setChecking(false);
    }
  };

  const pollJob = async (job: JobDto, source: SourceDto) => {
    let current = job;
    while (alive.current) {
      if (current.status === 'succeeded' || current.status === 'failed' || current.status === 'cancelled') break;
      await new Promise((r) => setTimeout(r, 500));
      if (!alive.current) return;
      try {
        current = await api.job(job.id);
      } catch (e) {
        setPhase({ kind: 'error', error: e });
        return;
      }
      if (alive.current) setPhase({ kind: 'ingesting', job: current, source });
    }
    if (!alive.current) return;
    const latest = await api.source(source.id).catch(() => source);
    if (!alive.current) return;
    setPhase({
      kind: current.status === 'succeeded' ? 'done' : 'failed',
      job: current,
      source: latest,
    });
    onChanged();
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const file = fileRef.current?.files?.[0];
    if (!file) {
      setPhase({ kind: 'error', error: new Error(t('sources.chooseFile')) });
      return;
    }
    if (needsChoice) return;
    setPhase({ kind: 'uploading', sent: 0, total: file.size });
    const versioning = choice === null ? {} : 'supersedes' in choice ? { supersedes: choice.supersedes } : { separate: 'true' };
    const handle = uploadSource(file, { ...meta, ...versioning }, (sent, total) => {
      if (alive.current) setPhase({ kind: 'uploading', sent, total });
    });
    abortUpload.current = handle.abort;
    try {
      const res = await handle.done;
      abortUpload.current = null;
      if (!alive.current) return;
      if (res.status === 'duplicate' || !res.job) {
        const message = (res as { error?: { message?: string } }).error?.message ?? t('sources.duplicate');
        setPhase({ kind: 'duplicate', source: res.source, message });
        return;
      }
      if (fileRef.current) fileRef.current.value = '';
      setFileName('');
      setMeta(EMPTY_META);
      setMatches([]);
      setChoice(null);
      setPhase({ kind: 'ingesting', job: res.job, source: res.source });
      onChanged();
      await pollJob(res.job, res.source);
    } catch (err) {
      abortUpload.current = null;
      if (!alive.current) return;
      // Someone else uploaded a same-name source meanwhile: ask, as if it had been there when the file was chosen.
      if (err instanceof ApiError && err.code === 'SAME_NAME_EXISTS' && Array.isArray(err.details?.matches)) {
        setMatches(err.details.matches as NameMatch[]);
        setChoice(null);
        setPhase({ kind: 'idle' });
        return;
      }
      setPhase({ kind: 'error', error: err });
    }
  };

  const field = (name: keyof typeof EMPTY_META) => ({
    name,
    value: meta[name],
    onChange: (e: { target: { value: string } }) => setMeta((m) => ({ ...m, [name]: e.target.value })),
    disabled: busy,
  });

  return (
    <form className="card upload" onSubmit={onSubmit} data-testid="upload-form">
      <h2 className="card-title">{t('sources.upload')}</h2>
      <p className="muted small">{t('sources.uploadHint')}</p>
      <div className="form-grid">
        <div className="field span-6">
          <span>{t('sources.file')}</span>
          <label className={`file-picker${busy ? ' disabled' : ''}`}>
            <input
              ref={fileRef}
              type="file"
              name="file"
              accept={UPLOAD_ACCEPT}
              disabled={busy}
              className="sr-only"
              onChange={(e) => void onFileChosen(e.target.files?.[0])}
              data-testid="upload-file"
            />
            <span className="btn btn-small">{t('sources.chooseFileButton')}</span>
            <span className={fileName ? 'file-name' : 'file-name muted'}>{fileName || t('sources.noFile')}</span>
          </label>
        </div>
        <label className="field span-3">
          <span>{t('sources.kind')}</span>
          <select {...field('kind')} className="input">
            <option value="">{t('sources.kindAuto')}</option>
            {SOURCE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field span-3">
          <span>{t('sources.language')}</span>
          <select {...field('language')} className="input">
            <option value="">{t('sources.languageAuto')}</option>
            <option value="zh">{t('lang.zh')}</option>
            <option value="en">{t('lang.en')}</option>
          </select>
        </label>
        <label className="field span-5">
          <span>{t('sources.titleField')}</span>
          <input type="text" {...field('title')} className="input" maxLength={500} />
        </label>
        <label className="field span-3">
          <span>{t('sources.publisher')}</span>
          <input type="text" {...field('publisher')} className="input" maxLength={300} />
        </label>
        <label className="field span-2">
          <span>{t('sources.version')}</span>
          <input type="text" {...field('version')} className="input" maxLength={100} />
        </label>
        <label className="field span-2">
          <span>{t('sources.year')}</span>
          <input type="number" {...field('year')} className="input" min={1900} max={2200} />
        </label>
        {matches.length > 0 && (
          <div className="field span-12">
            <SameNameChoice matches={matches} value={choice} onChange={setChoice} disabled={busy} />
          </div>
        )}
        <div className="field span-12 field-submit">
          <button type="submit" className="btn btn-primary" disabled={busy || checking || needsChoice} data-testid="upload-submit">
            {choice && 'supersedes' in choice ? t('versioning.submitSupersede') : t('sources.submit')}
          </button>
          {needsChoice && <span className="muted small">{t('versioning.chooseFirst')}</span>}
        </div>
      </div>
      <UploadStatus phase={phase} />
    </form>
  );
}

function UploadStatus({ phase }: { phase: Phase }) {
  const { t, td } = useI18n();
  switch (phase.kind) {
    case 'idle':
      return null;
    case 'uploading':
      return (
        <div className="upload-status" data-testid="upload-progress" data-phase="uploading">
          <div className="upload-status-line">
            {t('sources.uploading', {
              sent: formatBytes(phase.sent),
              total: formatBytes(phase.total),
            })}
          </div>
          <ProgressBar value={phase.sent} max={phase.total} label={t('sources.file')} />
        </div>
      );
    case 'ingesting': {
      const { job } = phase;
      const line =
        job.status === 'queued' || job.progressTotal === 0
          ? t('sources.ingestQueued')
          : t('sources.ingesting', {
              step: td(`step.${job.step}`, job.step ?? ''),
              done: job.progressDone,
              total: job.progressTotal,
            });
      return (
        <div className="upload-status" data-testid="ingest-progress" data-phase="ingesting">
          <div className="upload-status-line">
            <b>{phase.source.title}</b> — {line}
          </div>
          <ProgressBar value={job.progressDone} max={job.progressTotal} label={line} />
        </div>
      );
    }
    case 'done':
      return (
        <div className="alert alert-success" role="status" data-testid="ingest-done" data-phase="done">
          <span>
            {t('sources.ingestDone', {
              title: phase.source.title,
              chunks: phase.source.chunkCount ?? phase.job.progressDone,
            })}
          </span>
          <Link to={`/sources/${encodeURIComponent(phase.source.id)}`}>{t('sources.view')} →</Link>
        </div>
      );
    case 'failed':
      return (
        <div className="alert alert-error" role="alert" data-testid="ingest-failed" data-phase="failed">
          <div className="alert-body">
            <strong className="alert-title">{phase.job.status === 'cancelled' ? t('sources.ingestCancelled') : t('sources.ingestFailed')}</strong>
            {phase.job.lastError && <span className="alert-message">{phase.job.lastError.message}</span>}
            {phase.job.lastError && <code className="alert-code">{phase.job.lastError.code}</code>}
          </div>
          <Link to="/jobs">{t('nav.jobs')} →</Link>
        </div>
      );
    case 'duplicate':
      return (
        <div className="alert alert-warn" role="alert" data-testid="upload-duplicate" data-phase="duplicate">
          <div className="alert-body">
            <strong className="alert-title">{t('sources.duplicate')}</strong>
            <span className="alert-message">{phase.message}</span>
            <Link to={`/sources/${encodeURIComponent(phase.source.id)}`} data-testid="duplicate-link">
              {t('sources.duplicateLink', { title: phase.source.title })} →
            </Link>
          </div>
        </div>
      );
    case 'error':
      return (
        <div data-testid="upload-error" data-phase="error">
          <ErrorAlert error={phase.error} title={t('sources.uploadFailed')} />
        </div>
      );
  }
}
