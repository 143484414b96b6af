import { useEffect, useState } from 'react';
import type { LlmStatusDto } from '../api.ts';
import { ErrorAlert } from '../components.tsx';
import { connectorsApi } from '../connectors/api.ts';
import { useI18n } from '../i18n.ts';
import { type LlmChoice, type LocalModelDto, llmSettingsApi } from './api.ts';

type Kind = LlmChoice['kind'];

/** Admin: choose the model every feature uses (local model, a server, an LLM connector, or none). */
export function ModelSwitchCard({ onSwitched }: { onSwitched: (s: LlmStatusDto) => void }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<Kind>('embedded');
  const [local, setLocal] = useState<LocalModelDto[]>([]);
  const [connectors, setConnectors] = useState<{ id: string; name: string }[]>([]);
  const [model, setModel] = useState('');
  const [url, setUrl] = useState('');
  const [connectorId, setConnectorId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);

  useEffect(() => {
    const ctl = new AbortController();
    llmSettingsApi.localModels(ctl.signal).then((r) => {
      setLocal(r.items);
      setModel((m) => m || (r.items[0]?.id ?? ''));
    }, () => undefined);
    connectorsApi.list(ctl.signal).then((r) => {
      const llm = r.items.filter((c) => c.kind === 'llm' && c.enabled).map((c) => ({ id: c.id, name: c.name }));
      setConnectors(llm);
      setConnectorId((id) => id || (llm[0]?.id ?? ''));
    }, () => undefined);
    return () => ctl.abort();
  }, []);

  const choice = (): LlmChoice => {
    if (kind === 'none') return { kind };
    if (kind === 'connector') return { kind, connectorId };
    if (kind === 'embedded') return { kind, model };
    return { kind, url, model };
  };
  const run = (p: Promise<LlmStatusDto>) => {
    setBusy(true);
    setError(null);
    setDone(false);
    p.then((s) => {
      setDone(true);
      onSwitched(s);
    }, setError).finally(() => setBusy(false));
  };

  return (
    <div className="card" data-testid="model-switch">
      <div className="card-head">
        <h2 className="card-title">{t('settings.switch')}</h2>
      </div>
      <form
        className="switch-form"
        onSubmit={(e) => {
          e.preventDefault();
          run(llmSettingsApi.set(choice()));
        }}
      >
        <label className="field">
          <span className="field-label">{t('settings.switch.kind')}</span>
          <select className="input" value={kind} onChange={(e) => setKind(e.target.value as Kind)} data-testid="switch-kind">
            <option value="embedded">{t('settings.kind.embedded')}</option>
            <option value="ollama">{t('settings.kind.ollama')}</option>
            <option value="openai">{t('settings.kind.openai')}</option>
            <option value="connector">{t('settings.switch.connector')}</option>
            <option value="none">{t('settings.kind.none')}</option>
          </select>
        </label>
        {kind === 'embedded' &&
          (local.length ? (
            <label className="field">
              <span className="field-label">{t('settings.switch.local')}</span>
              <select className="input" value={model} onChange={(e) => setModel(e.target.value)} data-testid="switch-local">
                {local.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.title}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <p className="muted" data-testid="switch-no-local">{t('settings.switch.noLocal')}</p>
          ))}
        {(kind === 'ollama' || kind === 'openai') && (
          <>
            <label className="field">
              <span className="field-label">{t('settings.switch.url')}</span>
              <input className="input" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://127.0.0.1:11434" data-testid="switch-url" />
            </label>
            <label className="field">
              <span className="field-label">{t('settings.switch.model')}</span>
              <input className="input" value={model} onChange={(e) => setModel(e.target.value)} data-testid="switch-model" />
            </label>
          </>
        )}
        {kind === 'connector' && (
          <label className="field">
            <span className="field-label">{t('settings.switch.connector')}</span>
            <select className="input" value={connectorId} onChange={(e) => setConnectorId(e.target.value)} data-testid="switch-connector">
              {connectors.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <div className="field field-submit switch-actions">
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="switch-apply">
            {busy && <span className="spinner" aria-hidden="true" />}
            {busy ? t('settings.switch.applying') : t('settings.switch.apply')}
          </button>
          <button type="button" className="btn" disabled={busy} onClick={() => run(llmSettingsApi.reset())} data-testid="switch-reset">
            {t('settings.switch.reset')}
          </button>
        </div>
      </form>
      {done && <p className="notice" data-testid="switch-done">{t('settings.switch.done')}</p>}
      {error ? <ErrorAlert error={error} /> : null}
    </div>
  );
}
