import { type FormEvent, useEffect, useState } from 'react';
import { ApiError } from '../api.ts';
import { useTitle } from '../components.tsx';
import { inLanguage } from '../i18n.ts';
import { AuthShell } from './AuthShell.tsx';
import type { Me } from './api.ts';
import { secApi } from './api.ts';
import { useSecT } from './i18n.ts';

/** The sign-in form, shown in place of the app whenever /api/auth/me answers 401. */
export function LoginPage({ onSignedIn }: { onSignedIn: (user: Me) => void }) {
  const { t, lang } = useSecT();
  useTitle(t('login.title'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [firstRunUser, setFirstRunUser] = useState<string | null>(null);
  useEffect(() => {
    secApi.firstRun().then((r) => setFirstRunUser(r.firstRun && r.username ? r.username : null), () => setFirstRunUser(null));
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { user } = await secApi.login(username.trim(), password);
      // The login answer may omit mustChangePassword/permissions: /me is the full picture.
      onSignedIn({ ...user, ...(await secApi.me().catch(() => user)) });
    } catch (err) {
      setPassword('');
      const wait = err instanceof ApiError && err.code === 'RATE_LIMITED' ? Number(err.details?.retryAfterSeconds) : Number.NaN;
      setError(Number.isFinite(wait) ? t('login.throttled', { s: wait }) : inLanguage(err instanceof Error ? err.message : String(err), lang));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthShell title={t('login.title')} lead={t('login.lead')}>
      {firstRunUser && (
        <div className="alert alert-info" role="note" data-testid="first-run-hint">
          <strong>{t('login.firstRun.title')}</strong> {t('login.firstRun.body', { u: firstRunUser })}
        </div>
      )}
      <form className="auth-form" onSubmit={submit} data-testid="login-form">
        <label className="field">
          <span>{t('login.username')}</span>
          <input className="input" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label className="field">
          <span>{t('login.password')}</span>
          <input className="input" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <div className="alert alert-error" role="alert" data-testid="login-error">
            {error}
          </div>
        )}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy || !username.trim() || !password}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
      </form>
    </AuthShell>
  );
}
