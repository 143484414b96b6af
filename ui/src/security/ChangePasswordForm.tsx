import { type FormEvent, useState } from 'react';
import { useTitle } from '../components.tsx';
import { AuthShell } from './AuthShell.tsx';
import { type Me, type Revoked, secApi } from './api.ts';
import { useSecT } from './i18n.ts';

/** Current + new password (twice), checked here with the server's rules before it is sent. */
export function ChangePasswordForm({
  username,
  onDone,
  onCancel,
  cancelLabel,
}: {
  username: string;
  /** Called with what the change ended (other sessions, API tokens). */
  onDone: (revoked: Revoked) => void | Promise<void>;
  onCancel?: () => void;
  cancelLabel?: string;
}) {
  const { t } = useSecT();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const problem = next.length > 0 && next.length < 10 ? t('pw.tooShort') : next && next === username ? t('pw.sameAsUser') : repeat && next !== repeat ? t('pw.mismatch') : null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (problem || next !== repeat) return;
    setBusy(true);
    setError(null);
    try {
      const revoked = await secApi.changePassword(current, next);
      await onDone(revoked);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="auth-form" onSubmit={submit} data-testid="password-form">
      <label className="field">
        <span>{t('pw.current')}</span>
        <input className="input" name="current" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
      </label>
      <label className="field">
        <span>{t('pw.next')}</span>
        <input className="input" name="next" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required />
        <span className="muted small">{t('pw.hint')}</span>
      </label>
      <label className="field">
        <span>{t('pw.repeat')}</span>
        <input className="input" name="repeat" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
      </label>
      {(problem || error) && (
        <div className="alert alert-error" role="alert" data-testid="password-error">
          {problem ?? error}
        </div>
      )}
      <div className="auth-actions">
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            {cancelLabel ?? t('common.cancel')}
          </button>
        )}
        <button type="submit" className="btn btn-primary" disabled={busy || !current || !next || next !== repeat || Boolean(problem)}>
          {t('pw.submit')}
        </button>
      </div>
    </form>
  );
}

/** Shown in place of the app while the signed-in user must change their password. */
export function ChangePasswordPage({ user, onChanged, onLogout }: { user: Me; onChanged: () => Promise<void>; onLogout: () => Promise<void> }) {
  const { t } = useSecT();
  useTitle(t('pw.title'));
  return (
    <AuthShell title={t('pw.title')} lead={t('pw.mustLead')}>
      <p className="auth-who">
        <b>{user.displayName || user.username}</b> <span className="muted">({user.username})</span>
      </p>
      <ChangePasswordForm username={user.username} onDone={() => onChanged()} onCancel={() => void onLogout()} cancelLabel={t('menu.logout')} />
    </AuthShell>
  );
}
