import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api.ts';
import { ErrorAlert } from '../components.tsx';
import { useI18n } from '../i18n.ts';

/** Queue rule-based extraction over every indexed source; progress is on the Jobs page. */
export function ExtractButton() {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [queued, setQueued] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    setQueued(null);
    try {
      const r = await api.extract({ engine: 'rules' });
      setQueued(r.jobs.length);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="extract">
      <button type="button" className="btn" disabled={busy} onClick={run} data-testid="extract">
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
    </div>
  );
}
