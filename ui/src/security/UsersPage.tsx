import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ErrorAlert, Loading, useTitle } from '../components.tsx';
import { ROLES, type Role, secApi, type UserDto } from './api.ts';
import { useAuth } from './auth.tsx';
import { type SecKey, useSecT } from './i18n.ts';
import { OneTimeSecret } from './OneTimeSecret.tsx';

/** /admin/users (admin.users): list, create with a role, change role, disable/enable, reset password. */
export function UsersPage() {
  const { t, dateTime } = useSecT();
  useTitle(t('users.title'));
  const { user: me } = useAuth();
  const [users, setUsers] = useState<UserDto[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setUsers(await secApi.users());
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const act = async (fn: () => Promise<unknown>, done?: string) => {
    setActionError(null);
    setNotice(null);
    try {
      await fn();
      if (done) setNotice(done);
    } catch (e) {
      setActionError(e);
    }
    await load();
  };
  const roleName = (r: string) => t(`role.${r}` as SecKey) ?? r;

  return (
    <section className="page users-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('users.title')}</h1>
      </div>
      <NewUserForm
        onCreated={(u, initialPassword) => {
          setNotice(t('users.created', { name: u.username }));
          // A previous user's one-time password never stays on screen next to the new user.
          setSecret(initialPassword ? { name: u.username, value: initialPassword } : null);
          void load();
        }}
        onSubmit={() => {
          setSecret(null);
          setNotice(null);
        }}
      />
      {secret && <OneTimeSecret label={t('users.oneTime', { name: secret.name })} value={secret.value} onDismiss={() => setSecret(null)} testId="one-time-password" />}
      {notice && (
        <div className="alert alert-success" role="status" data-testid="users-notice">
          {notice}
        </div>
      )}
      {actionError ? <ErrorAlert error={actionError} /> : null}
      {error ? <ErrorAlert error={error} onRetry={() => void load()} /> : null}
      {!users && !error && <Loading />}
      {users && (
        <div className="card card-flush">
          <div className="table-wrap">
            <table className="table" data-testid="users-table">
              <thead>
                <tr>
                  <th>{t('users.username')}</th>
                  <th>{t('users.displayName')}</th>
                  <th>{t('users.role')}</th>
                  <th>{t('users.status')}</th>
                  <th>{t('users.createdAt')}</th>
                  <th>{t('users.lastLogin')}</th>
                  <th>{t('users.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {users.length === 0 && (
                  <tr>
                    <td colSpan={7} className="empty-row">
                      {t('users.empty')}
                    </td>
                  </tr>
                )}
                {users.map((u) => {
                  const self = u.id === me.id;
                  return (
                    <tr key={u.id} data-username={u.username} className={u.disabled ? 'row-disabled' : ''}>
                      <td className="mono">
                        {u.username} {self && <span className="muted small">{t('users.you')}</span>}
                      </td>
                      <td>{u.displayName}</td>
                      <td>
                        <select
                          className="input input-small"
                          value={u.role}
                          disabled={self}
                          aria-label={`${t('users.role')} ${u.username}`}
                          onChange={(e) => {
                            const role = e.target.value as Role;
                            void act(() => secApi.updateUser(u.id, { role }), t('users.roleChanged', { name: u.username, role: roleName(role) }));
                          }}
                          data-testid="user-role-select"
                        >
                          {ROLES.map((r) => (
                            <option key={r} value={r}>
                              {roleName(r)}
                            </option>
                          ))}
                        </select>
                      </td>
                      <td>
                        <span className={`badge ${u.disabled ? 'badge-grey' : 'badge-green'}`}>{u.disabled ? t('users.disabled') : t('users.active')}</span>
                        {u.mustChangePassword && !u.disabled && (
                          <span className="muted small" data-testid="user-must-change">
                            {' '}
                            {t('users.mustChange')}
                          </span>
                        )}
                      </td>
                      <td className="nowrap small">{u.createdAt ? dateTime(u.createdAt) : ''}</td>
                      <td className="nowrap small" data-testid="user-last-login">
                        {u.lastLoginAt ? dateTime(u.lastLoginAt) : <span className="muted">{t('users.neverSignedIn')}</span>}
                      </td>
                      <td className="nowrap">
                        <button
                          type="button"
                          className="btn btn-small"
                          disabled={self}
                          onClick={() => {
                            if (!u.disabled && !window.confirm(t('users.confirmDisable', { name: u.username }))) return;
                            void act(() => secApi.updateUser(u.id, { disabled: !u.disabled }));
                          }}
                          data-testid="user-toggle"
                        >
                          {u.disabled ? t('users.enable') : t('users.disable')}
                        </button>{' '}
                        <button
                          type="button"
                          className="btn btn-small"
                          onClick={() => {
                            if (!window.confirm(t('users.confirmReset', { name: u.username }))) return;
                            setSecret(null);
                            void act(async () => {
                              const r = await secApi.resetPassword(u.id);
                              setSecret({ name: u.username, value: r.initialPassword });
                              setNotice(t('users.resetDone', { name: u.username, sessions: r.sessionsRevoked, tokens: r.tokensRevoked }));
                            });
                          }}
                          data-testid="user-reset"
                        >
                          {t('users.reset')}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}

function NewUserForm({ onCreated, onSubmit }: { onCreated: (u: UserDto, initialPassword?: string) => void; onSubmit: () => void }) {
  const { t } = useSecT();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('physician');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    onSubmit();
    try {
      const r = await secApi.createUser({ username: username.trim(), displayName: displayName.trim() || username.trim(), role, password: password || undefined });
      onCreated(r.user, r.initialPassword);
      setUsername('');
      setDisplayName('');
      setPassword('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card sec-form" onSubmit={submit} data-testid="new-user-form">
      <h2 className="card-title">{t('users.new')}</h2>
      <div className="sec-form-row">
        <label className="field">
          <span>{t('users.username')}</span>
          <input className="input" name="username" value={username} onChange={(e) => setUsername(e.target.value)} required maxLength={64} autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('users.displayName')}</span>
          <input className="input" name="displayName" value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={100} />
        </label>
        <label className="field">
          <span>{t('users.role')}</span>
          <select className="input" name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}` as SecKey)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('users.password')}</span>
          <input className="input" name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
        </label>
        <button type="submit" className="btn btn-primary field-submit" disabled={busy || !username.trim()}>
          {t('users.create')}
        </button>
      </div>
      {error ? <ErrorAlert error={error} /> : null}
    </form>
  );
}
