import { useCallback, useEffect, useRef, useState } from 'react';
import type { LlmStatusDto } from '../api.ts';
import { chatApi } from '../chat/client.ts';
import { ErrorAlert, Loading, useTitle } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { useAuth } from '../security/auth.tsx';
import { LlmStatusCard } from '../settings/LlmStatusCard.tsx';
import { ModelSwitchCard } from '../settings/ModelSwitchCard.tsx';
import { UsageCard } from '../settings/UsageCard.tsx';

/** 设置: the language model (configuration, live check, usage statistics) and the prompt versions. */
export function SettingsPage() {
  const { t, td } = useI18n();
  const { can } = useAuth();
  useTitle(t('settings.title'));
  const [status, setStatus] = useState<LlmStatusDto | null>(null);
  const [checkedAt, setCheckedAt] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);
  const current = useRef<AbortController | null>(null);

  const check = useCallback(() => {
    current.current?.abort();
    const ctl = new AbortController();
    current.current = ctl;
    setChecking(true);
    chatApi
      .llmStatus(ctl.signal)
      .then((s) => {
        setStatus(s);
        setCheckedAt(new Date().toISOString());
        setError(null);
      })
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e);
      })
      .finally(() => {
        if (current.current === ctl) setChecking(false);
      });
  }, []);
  useEffect(() => {
    check();
    return () => current.current?.abort();
  }, [check]);

  return (
    <section className="page settings-page">
      <h1 className="page-title">{t('settings.title')}</h1>
      {error ? <ErrorAlert error={error} onRetry={check} /> : null}
      {!status && !error && <Loading />}
      {status && (
        <>
          <LlmStatusCard status={status} checking={checking} checkedAt={checkedAt} onCheck={check} />
          {can('admin.settings') && (
            <ModelSwitchCard
              onSwitched={(s) => {
                setStatus(s);
                setCheckedAt(new Date().toISOString());
              }}
            />
          )}
          <UsageCard stats={status.stats} />
          <div className="card" data-testid="prompts">
            <div className="card-head">
              <h2 className="card-title">{t('settings.prompts')}</h2>
              <span className="muted small">{t('settings.prompts.hint')}</span>
            </div>
            {status.prompts.length === 0 ? (
              <p className="muted">{t('settings.noPrompts')}</p>
            ) : (
              <div className="table-wrap">
                <table className="table prompts-table">
                  <thead>
                    <tr>
                      <th>{t('settings.prompt.id')}</th>
                      <th>{t('settings.prompt.version')}</th>
                      <th>{t('settings.prompt.language')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {status.prompts.map((p) => (
                      <tr key={`${p.id}@${p.version}/${p.language}`} data-prompt-id={p.id}>
                        <td>
                          <code>{p.id}</code>
                        </td>
                        <td>
                          <code>{p.version}</code>
                        </td>
                        <td>{td(`lang.${p.language}`, p.language)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        </>
      )}
    </section>
  );
}
