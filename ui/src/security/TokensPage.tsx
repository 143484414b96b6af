import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { ErrorAlert, Loading, useTitle } from '../components.tsx';
import { secApi, type TokenDto } from './api.ts';
import { useAuth } from './auth.tsx';
import { useSecT } from './i18n.ts';
import { permissionName } from './labels.ts';
import { OneTimeSecret } from './OneTimeSecret.tsx';

/** /account/tokens (any signed-in user): own API tokens (an admin sees all); a new token is shown once. */
export function TokensPage() {
  const { t, dateTime, lang } = useSecT();
  useTitle(t('tokens.title'));
  const { user } = useAuth();
  const [tokens, setTokens] = useState<TokenDto[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [created, setCreated] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setTokens(await secApi.tokens());
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => void load(), [load]);

  const revoke = async (tk: TokenDto) => {
    if (!window.confirm(t('tokens.confirmRevoke', { name: tk.name }))) return;
    setActionError(null);
    try {
      await secApi.revokeToken(tk.id);
    } catch (e) {
      setActionError(e);
    }
    await load();
  };
  const state = (tk: TokenDto) =>
    tk.revokedAt ? 'revoked' : tk.expiresAt && Date.parse(tk.expiresAt) < Date.now() ? 'expired' : 'valid';

  return (
    <section className="page tokens-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('tokens.title')}</h1>
      </div>
      <p className="muted">{t('tokens.lead')}</p>
      <NewTokenForm
        permissions={user.permissions}
        onCreated={(token) => {
          setCreated(token);
          void load();
        }}
      />
      {created && <OneTimeSecret label={t('tokens.shownOnce')} value={created} onDismiss={() => setCreated(null)} testId="new-token" />}
      {actionError ? <ErrorAlert error={actionError} /> : null}
      {error ? <ErrorAlert error={error} onRetry={() => void load()} /> : null}
      {!tokens && !error && <Loading />}
      {tokens && (
        <div className="card card-flush">
          <div className="table-wrap">
            <table className="table" data-testid="tokens-table">
              <thead>
                <tr>
                  <th>{t('tokens.name')}</th>
                  {user.permissions.includes('admin.users') && <th>{t('tokens.owner')}</th>}
                  <th>{t('tokens.scopesCol')}</th>
                  <th>{t('tokens.created')}</th>
                  <th>{t('tokens.expires')}</th>
                  <th>{t('tokens.lastUsed')}</th>
                  <th>{t('tokens.state')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {tokens.length === 0 && (
                  <tr>
                    <td colSpan={8} className="empty-row">
                      {t('tokens.empty')}
                    </td>
                  </tr>
                )}
                {tokens.map((tk) => {
                  const s = state(tk);
                  return (
                    <tr key={tk.id} data-token-name={tk.name} data-state={s}>
                      <td>{tk.name}</td>
                      {user.permissions.includes('admin.users') && <td className="mono small">{tk.username ?? ''}</td>}
                      <td className="small">{tk.scopes?.length ? tk.scopes.map((s) => permissionName(s, lang)).join('、') : <span className="muted">{t('tokens.allScopes')}</span>}</td>
                      <td className="nowrap small">{tk.createdAt ? dateTime(tk.createdAt) : ''}</td>
                      <td className="nowrap small">{tk.expiresAt ? dateTime(tk.expiresAt) : ''}</td>
                      <td className="nowrap small">{tk.lastUsedAt ? dateTime(tk.lastUsedAt) : <span className="muted">{t('common.never')}</span>}</td>
                      <td>
                        <span className={`badge ${s === 'valid' ? 'badge-green' : 'badge-grey'}`}>{t(`tokens.${s}`)}</span>
                      </td>
                      <td>
                        {s === 'valid' && (
                          <button type="button" className="btn btn-small btn-danger" onClick={() => void revoke(tk)} data-testid="token-revoke">
                            {t('tokens.revoke')}
                          </button>
                        )}
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

function NewTokenForm({ permissions, onCreated }: { permissions: string[]; onCreated: (token: string) => void }) {
  const { t, lang } = useSecT();
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const [scopes, setScopes] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await secApi.createToken({ name: name.trim(), expiresInDays: days, scopes: scopes.length ? scopes : undefined });
      onCreated(r.token);
      setName('');
      setScopes([]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card sec-form" onSubmit={submit} data-testid="new-token-form">
      <h2 className="card-title">{t('tokens.new')}</h2>
      <div className="sec-form-row">
        <label className="field">
          <span>{t('tokens.name')}</span>
          <input className="input" name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <label className="field">
          <span>{t('tokens.days')}</span>
          <input className="input input-year" name="days" type="number" min={1} max={365} value={days} onChange={(e) => setDays(Number(e.target.value))} required />
        </label>
        <button type="submit" className="btn btn-primary field-submit" disabled={busy || !name.trim() || !(days >= 1 && days <= 365)}>
          {t('tokens.create')}
        </button>
      </div>
      <fieldset className="plain scope-list">
        <legend className="small muted">{t('tokens.scopes')}</legend>
        {permissions.map((p) => (
          <label key={p} className="check">
            <input type="checkbox" checked={scopes.includes(p)} onChange={(e) => setScopes((s) => (e.target.checked ? [...s, p] : s.filter((x) => x !== p)))} />
            <span className="small" title={p}>
              {permissionName(p, lang)}
            </span>
          </label>
        ))}
      </fieldset>
      {error ? <ErrorAlert error={error} /> : null}
    </form>
  );
}
