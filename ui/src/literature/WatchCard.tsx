import { useState } from 'react';
import { Link } from 'react-router-dom';
import { Badge, ErrorAlert } from '../components.tsx';
import { literatureApi, type Watch } from './api.ts';
import { useLitT } from './i18n.ts';
import { RunStatusBadge } from './RunStatus.tsx';
import { describeSchedule } from './schedule.ts';

/** One watch: its query and filters, schedule, last run, and actions. */
export function WatchCard({ watch, onEdit, onChanged }: { watch: Watch; onEdit: () => void; onChanged: () => void }) {
  const { t, dateTime, number, lang } = useLitT();
  const [busy, setBusy] = useState(false);
  const [queued, setQueued] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = watch.lastRun;

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="card watch-card" data-watch={watch.name}>
      <header className="watch-head">
        <h3 className="watch-name">{watch.name}</h3>
        {!watch.enabled && <Badge tone="grey">{t('disabled')}</Badge>}
        <div className="watch-actions">
          <button
            type="button"
            className="btn btn-small btn-primary"
            disabled={busy || run?.status === 'running'}
            onClick={() => act(async () => { await literatureApi.runNow(watch.id); setQueued(true); })}
            data-testid="run-now"
          >
            {queued && run?.status !== 'succeeded' ? t('queued') : t('runNow')}
          </button>
          <button type="button" className="btn btn-small" onClick={onEdit} disabled={busy}>
            {t('edit')}
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger"
            disabled={busy}
            onClick={() => window.confirm(t('confirmDelete', { name: watch.name })) && act(() => literatureApi.remove(watch.id))}
          >
            {t('delete')}
          </button>
        </div>
      </header>
      <code className="watch-query">{watch.query}</code>
      <div className="watch-chips">
        {watch.meshTerms.map((m) => <Badge key={`m${m}`} tone="purple">MeSH: {m}</Badge>)}
        {watch.journals.map((j) => <Badge key={`j${j}`} tone="blue">{j}</Badge>)}
        {watch.languages.map((l) => <Badge key={`l${l}`} tone="grey">{l}</Badge>)}
      </div>
      <dl className="watch-meta">
        <div>
          <dt>{t('nextRun')}</dt>
          <dd data-testid="next-run">{watch.enabled && watch.nextRunAt ? dateTime(watch.nextRunAt) : '—'} <span className="muted small" title={watch.cron} data-testid="schedule">
            {describeSchedule(watch.cron, lang)}
          </span></dd>
        </div>
        <div>
          <dt>{t('lastRun')}</dt>
          <dd>
            {run ? (
              <>
                <RunStatusBadge status={run.status} /> {dateTime(run.startedAt)} · {t('col.new')} {number(run.newRecords)} · {t('col.updated')} {number(run.updated)} ·{' '}
                {t('col.retracted')} {number(run.retracted)} · {t('col.triples')}{' '}
                <Link to={`/review?tag=${encodeURIComponent(`pubmed_run:${run.id}`)}`}>{number(run.triplesProposed)}</Link>
                {run.error && <div className="watch-error" data-testid="run-error">{run.error.message}</div>}
              </>
            ) : (
              <span className="muted">{t('never')}</span>
            )}
          </dd>
        </div>
      </dl>
      {error ? <ErrorAlert error={error} /> : null}
    </article>
  );
}
