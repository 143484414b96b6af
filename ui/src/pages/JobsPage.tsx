import { useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { api, JOB_STATUSES, type JobDto, type JobListDto, type JobStatus } from '../api.ts';
import { ErrorAlert, JobStatusBadge, Loading, ProgressBar, useInterval, useTitle } from '../components.tsx';
import { useI18n } from '../i18n.ts';

const REFRESH_MS = 2000;

export function JobsPage() {
  const { t, dateTime } = useI18n();
  useTitle(t('jobs.title'));
  const [sp, setSp] = useSearchParams();
  const status = (JOB_STATUSES as readonly string[]).includes(sp.get('status') ?? '') ? (sp.get('status') as JobStatus) : undefined;
  const [list, setList] = useState<JobListDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [lastRefresh, setLastRefresh] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [titles, setTitles] = useState<Record<string, string>>({});
  const titlesRef = useRef(titles);
  titlesRef.current = titles;
  const [tick, setTick] = useState(0);

  useInterval(
    async (signal) => {
      try {
        const l = await api.jobs({ status, limit: 200 }, signal);
        setList(l);
        setError(null);
        setLastRefresh(new Date().toISOString());
        const missing = l.items.some((j) => {
          const id = sourceIdOf(j);
          return id && !(id in titlesRef.current);
        });
        if (missing) {
          const sources = await api.sources({ limit: 500 }, signal);
          setTitles(Object.fromEntries(sources.items.map((s) => [s.id, s.title])));
        }
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    REFRESH_MS,
    [status, tick],
  );

  const act = async (job: JobDto, action: 'retry' | 'cancel') => {
    setBusy(job.id);
    setActionError(null);
    try {
      await (action === 'retry' ? api.retryJob(job.id) : api.cancelJob(job.id));
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(null);
      setTick((n) => n + 1);
    }
  };

  return (
    <section className="page jobs-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('jobs.title')}</h1>
        <span className="muted small" data-testid="refresh-note">
          {lastRefresh ? t('jobs.autoRefresh', { time: dateTime(lastRefresh) }) : ''}
        </span>
      </div>
      {list && (
        <fieldset className="plain counts">
          <legend className="sr-only">{t('jobs.col.status')}</legend>
          <button type="button" className={`count-card${!status ? ' active' : ''}`} onClick={() => setSp({})} aria-pressed={!status}>
            <span className="count-num">{Object.values(list.counts).reduce((a, b) => a + b, 0)}</span>
            <span className="count-label">{t('jobs.all')}</span>
          </button>
          {JOB_STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              className={`count-card count-${s}${status === s ? ' active' : ''}`}
              onClick={() => setSp({ status: s })}
              aria-pressed={status === s}
              data-count={s}
            >
              <span className="count-num">{list.counts[s] ?? 0}</span>
              <span className="count-label">{t(`jobStatus.${s}`)}</span>
            </button>
          ))}
        </fieldset>
      )}
      {list && list.counts.quarantined > 0 && (
        <div className="alert alert-warn" role="status" data-testid="quarantine-note">
          {t('jobs.quarantineNote')}
        </div>
      )}
      {actionError ? <ErrorAlert error={actionError} /> : null}
      {error ? <ErrorAlert error={error} onRetry={() => setTick((n) => n + 1)} /> : null}
      {!list && !error && <Loading />}
      {list && (
        <div className="card">
          {list.items.length === 0 ? (
            <p className="empty-row muted">{t('jobs.empty')}</p>
          ) : (
            <div className="table-wrap">
              <table className="table jobs-table">
                <thead>
                  <tr>
                    <th>{t('jobs.col.kind')}</th>
                    <th>{t('jobs.col.target')}</th>
                    <th>{t('jobs.col.status')}</th>
                    <th>{t('jobs.col.step')}</th>
                    <th className="col-progress">{t('jobs.col.progress')}</th>
                    <th className="num">{t('jobs.col.attempts')}</th>
                    <th>{t('jobs.col.error')}</th>
                    <th>{t('jobs.col.created')}</th>
                    <th>{t('jobs.col.finished')}</th>
                    <th>{t('jobs.col.actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((j) => (
                    <JobRow key={j.id} job={j} title={titles[sourceIdOf(j) ?? '']} busy={busy === j.id} onAct={act} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </section>
  );
}

function sourceIdOf(job: JobDto): string | null {
  const id = job.payload.sourceId;
  return typeof id === 'string' ? id : null;
}

function JobRow({ job, title, busy, onAct }: { job: JobDto; title?: string; busy: boolean; onAct: (job: JobDto, action: 'retry' | 'cancel') => void }) {
  const { t, td, dateTime } = useI18n();
  const sourceId = sourceIdOf(job);
  const tone = job.status === 'failed' || job.status === 'quarantined' ? 'red' : job.status === 'succeeded' ? 'green' : job.status === 'cancelled' ? 'grey' : 'blue';
  const retryable = job.status === 'failed' || job.status === 'cancelled' || job.status === 'quarantined';
  return (
    <tr data-job-id={job.id} data-status={job.status}>
      <td>
        {td(`jobKind.${job.kind}`, job.kind)}
        <div className="cell-sub mono muted" title={job.id}>
          {job.id}
        </div>
      </td>
      <td className="cell-target">{sourceId ? <Link to={`/sources/${encodeURIComponent(sourceId)}`}>{title ?? sourceId}</Link> : t('common.none')}</td>
      <td>
        <JobStatusBadge status={job.status} />
      </td>
      <td className="nowrap">{job.step ? td(`step.${job.step}`, job.step) : t('common.none')}</td>
      <td className="col-progress">
        <ProgressBar value={job.progressDone} max={job.progressTotal} tone={tone} label={t('jobs.col.progress')} />
        <span className="progress-text">
          {job.progressDone} / {job.progressTotal}
        </span>
      </td>
      <td className="num">
        {job.attempts} / {job.maxAttempts}
        {job.crashes > 0 && (
          <div className="cell-sub" title={t('jobs.suspect', { n: job.crashes })} data-testid="suspect">
            ⚠ {t('jobs.suspect', { n: job.crashes })}
          </div>
        )}
      </td>
      <td className="cell-error">
        {job.lastError ? (
          <span title={`${job.lastError.code}: ${job.lastError.message}`}>
            {job.lastError.message}
            <code className="alert-code">{job.lastError.code}</code>
          </span>
        ) : (
          <span className="muted">{t('common.none')}</span>
        )}
      </td>
      <td className="nowrap muted">{dateTime(job.createdAt)}</td>
      <td className="nowrap muted">{dateTime(job.finishedAt)}</td>
      <td className="nowrap">
        {retryable && (
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => onAct(job, 'retry')} data-action="retry">
            {t('jobs.retry')}
          </button>
        )}
        {(job.status === 'queued' || job.status === 'running') && (
          <button type="button" className="btn btn-small btn-danger" disabled={busy} onClick={() => onAct(job, 'cancel')} data-action="cancel">
            {t('jobs.cancel')}
          </button>
        )}
      </td>
    </tr>
  );
}
