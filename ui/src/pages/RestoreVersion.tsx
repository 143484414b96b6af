import { useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type SourceDto } from '../api.ts';
import { ErrorAlert } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { useAuth } from '../security/auth.tsx';

/**
 * On a superseded source's page: says which version superseded it and, for those who manage sources,
 * undoes the supersede after a confirmation — this source is current again and the upload that
 * superseded it stays as a separate source (POST /api/sources/:id/unsupersede).
 */
export function RestoreVersion({ source, onRestored }: { source: SourceDto; onRestored: () => void }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!source.supersededBy) return null;
  const restore = async () => {
    setBusy(true);
    try {
      await api.unsupersede(source.id);
      setConfirming(false);
      onRestored();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="alert alert-warn restore-version" data-testid="restore-version">
      <div className="alert-body">
        <strong className="alert-title">{t('versioning.superseded')}</strong>
        <span className="alert-message">
          <Link to={`/sources/${encodeURIComponent(source.supersededBy)}`}>{t('versioning.openNewer')} →</Link>
        </span>
        {confirming && <span className="alert-message">{t('versioning.restoreConfirm')}</span>}
        {error ? <ErrorAlert error={error} /> : null}
      </div>
      {can('sources.manage') && (
        <div className="row-actions">
          {!confirming ? (
            <button type="button" className="btn" onClick={() => setConfirming(true)} data-testid="restore-start">
              {t('versioning.restore')}
            </button>
          ) : (
            <>
              <button type="button" className="btn btn-primary" onClick={() => void restore()} disabled={busy} data-testid="restore-confirm">
                {t('versioning.restoreDo')}
              </button>
              <button type="button" className="btn" onClick={() => setConfirming(false)} disabled={busy}>
                {t('common.cancel')}
              </button>
            </>
          )}
        </div>
      )}
    </div>
  );
}
