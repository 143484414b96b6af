import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api.ts';
import { ErrorAlert } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { Dialog } from '../kg/Dialog.tsx';
import { libraryApi } from '../library/api.ts';
import { useAuth } from '../security/auth.tsx';

/**
 * Queue rule-based extraction over every current indexed source, after saying how many jobs that is
 * (one click once queued 80 jobs unasked). Shown only to people who may manage sources.
 */
export function ExtractButton() {
  const { t } = useI18n();
  const { can } = useAuth();
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState<number | null>(null);
  const [queued, setQueued] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!can('sources.manage')) return null;
  const ask = async () => {
    setError(null);
    setQueued(null);
    try {
      setAsking((await libraryApi.list({ status: 'ready', current: true, limit: 1 })).total);
    } catch (e) {
      setError(e);
    }
  };
  const run = async () => {
    setBusy(true);
    try {
      const r = await api.extract({ engine: 'rules' });
      setQueued(r.jobs.length);
      setAsking(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="extract">
      <button type="button" className="btn" disabled={busy} onClick={ask} data-testid="extract">
        {t('review.extract')}
      </button>
      {queued !== null && (
        <span className="extract-note small" data-testid="extract-queued">
          {t('review.extractQueued', { n: queued })}{' '}
          <Link to="/jobs" data-testid="extract-jobs-link">
            {t('review.extractJobs')} →
          </Link>
        </span>
      )}
      {error ? <ErrorAlert error={error} /> : null}
      <Dialog open={asking !== null} title={t('review.extract')} onClose={() => setAsking(null)} testId="extract-confirm-dialog">
        <p data-testid="extract-count">{t('review.extractConfirm', { n: asking ?? 0 })}</p>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={() => setAsking(null)}>
            {t('common.cancel')}
          </button>
          <button type="button" className="btn btn-primary" disabled={busy || asking === 0} onClick={run} data-testid="extract-confirm">
            {t('review.extractConfirmButton', { n: asking ?? 0 })}
          </button>
        </div>
      </Dialog>
    </div>
  );
}
