import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, api, fileSha256, type JobDto, SOURCE_KINDS, type SourceDto, type SourceListDto, UPLOAD_ACCEPT, uploadSource } from '../api.ts';
import { Badge, ErrorAlert, formatBytes, KindBadge, Loading, ProgressBar, SourceStatusBadge, useTitle } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { type NameMatch, SameNameChoice, type VersionChoice } from './SameNameChoice.tsx';

export function SourcesPage() {
  const { t } = useI18n();
  useTitle(t('sources.title'));
  const [sp, setSp] = useSearchParams();
  const kind = sp.get('kind') ?? '';
  const [list, setList] = useState<SourceListDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  const ctlRef = useRef<AbortController | null>(null);

  /** (Re)loads the list, cancelling any load or re-poll in flight; polls while sources are pending. */
  const refresh = useCallback(() => {
    ctlRef.current?.abort();
    const ctl = new AbortController();
    ctlRef.current = ctl;
    const run = () =>
      api
        .sources({ kind: kind || undefined, limit: 500 }, ctl.signal)
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
  }, [kind]);
  useEffect(() => {
    refresh();
    return () => ctlRef.current?.abort();
  }, [refresh]);

  return (
    <section className="page sources-page">
      <h1 className="page-title">{t('sources.title')}</h1>
      <UploadCard onChanged={refresh} />
      <div className="card">
        <div className="card-head">
          <h2 className="card-title">{t('sources.list')}</h2>
          <fieldset className="plain chips">
            <legend className="sr-only">{t('sources.filterKind')}</legend>
            <button type="button" className={`chip${kind === '' ? ' active' : ''}`} onClick={() => setSp({})} aria-pressed={kind === ''}>
              {t('sources.all')}
            </button>
            {SOURCE_KINDS.map((k) => (
              <button
                key={k}
                type="button"
                className={`chip${kind === k ? ' active' : ''}`}
                onClick={() => setSp({ kind: k })}
                aria-pressed={kind === k}
                data-kind-filter={k}
              >
                {t(`kind.${k}`)}
              </button>
            ))}
          </fieldset>
          {list && <span className="muted card-head-right">{t('sources.count', { n: list.total })}</span>}
        </div>
        {error ? <ErrorAlert error={error} onRetry={refresh} /> : null}
        {!list && !error && <Loading />}
        {list && <SourcesTable items={list.items} />}
      </div>
    </section>
  );
}

function SourcesTable({ items }: { items: SourceDto[] }) {
  const { t, dateTime } = useI18n();
  const navigate = useNavigate();
  if (items.length === 0) return <p className="empty-row muted">{t('sources.emptyList')}</p>;
  const none = t('common.none');
  return (
    <div className="table-wrap">
      <table className="table sources-table">
        <thead>
          <tr>
            <th>{t('sources.col.title')}</th>
            <th>{t('sources.col.kind')}</th>
            <th>{t('sources.col.version')}</th>
            <th className="num">{t('sources.col.year')}</th>
            <th className="num">{t('sources.col.pages')}</th>
            <th className="num">{t('sources.col.chunks')}</th>
            <th>{t('sources.col.status')}</th>
            <th>{t('sources.col.created')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => {
            const href = `/sources/${encodeURIComponent(s.id)}`;
            return (
              <tr key={s.id} className="clickable" onClick={() => navigate(href)} data-source-id={s.id}>
                <td className="cell-title">
                  <Link to={href} onClick={(e) => e.stopPropagation()} className="source-link">
                    {s.title}
                  </Link>
                  <div className="cell-sub">
                    <span className="muted">{s.fileName}</span>
                    {s.demo && <Badge tone="amber">{t('badge.demo')}</Badge>}
                    {s.supersededBy && <Badge tone="red">{t('badge.superseded')}</Badge>}
                  </div>
                </td>
                <td>
                  <KindBadge kind={s.kind} />
                </td>
                <td>{s.version ?? none}</td>
                <td className="num">{s.year ?? none}</td>
                <td className="num">{s.pageCount ?? none}</td>
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
