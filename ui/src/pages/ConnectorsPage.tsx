import { useState } from 'react';
import { Badge, ErrorAlert, Loading, useInterval, useTitle } from '../components.tsx';
import { AllowList } from '../connectors/AllowList.tsx';
import { type Check, type Connector, type ConnectorDraft, connectorsApi } from '../connectors/api.ts';
import { ConnectorForm } from '../connectors/ConnectorForm.tsx';
import { type ConKey, useConT } from '../connectors/i18n.ts';
import { Sparkline, StatusLight } from '../connectors/Sparkline.tsx';
import '../connectors/connectors.css';
import { useAuth } from '../security/auth.tsx';

const REFRESH_MS = 10_000;
const HISTORY = 30;

/** Where a connector points, without secrets (its config holds none). */
function targetOf(c: Connector): string {
  const k = c.config as Record<string, string | number | undefined>;
  if (c.kind === 'pacs') return String(k.qidoUrl ?? '');
  const db = () => `${k.driver ?? 'postgresql'}://${k.user}@${k.host}:${k.port}/${k.database}${k.tlsMode && k.tlsMode !== 'disable' ? ` (TLS ${k.tlsMode})` : ''}`;
  if (c.kind === 'research_db') return db();
  if (c.kind === 'ris') return k.mode === 'hl7-mllp' ? `MLLP ${k.host}:${k.port}` : k.mode === 'database' ? db() : String(k.url ?? '');
  if (c.kind === 'llm') return `${k.provider} · ${k.url} · ${k.model}`;
  return String(k.url ?? '');
}

/** Integration connectors: status lights, latency, history sparkline, add / edit / test / delete. */
export function ConnectorsPage() {
  const { t, dateTime } = useConT();
  const { can } = useAuth();
  useTitle(t('title'));
  const [items, setItems] = useState<Connector[] | null>(null);
  const [history, setHistory] = useState<Record<string, Check[]>>({});
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<Connector | 'new' | null>(null);
  const [testing, setTesting] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = () => setTick((n) => n + 1);

  useInterval(
    async (signal) => {
      try {
        const list = (await connectorsApi.list(signal)).items;
        const hs = await Promise.all(list.map((c) => connectorsApi.history(c.id, HISTORY, signal).then((h) => [c.id, h.items] as const)));
        setItems(list);
        setHistory(Object.fromEntries(hs));
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    REFRESH_MS,
    [tick],
  );

  const save = async (d: ConnectorDraft) => {
    if (editing && editing !== 'new') await connectorsApi.update(editing.id, d);
    else await connectorsApi.create(d);
    setEditing(null);
    refresh();
  };

  const test = async (c: Connector) => {
    setTesting(c.id);
    try {
      await connectorsApi.test(c.id);
    } catch (e) {
      setError(e);
    } finally {
      setTesting(null);
      refresh();
    }
  };

  const remove = async (c: Connector) => {
    if (!window.confirm(t('confirmDelete', { name: c.name }))) return;
    try {
      await connectorsApi.remove(c.id);
    } catch (e) {
      setError(e);
    }
    refresh();
  };

  return (
    <section className="page connectors-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('title')}</h1>
        <div className="page-actions">
          <button type="button" className="btn btn-primary" onClick={() => setEditing('new')} disabled={editing !== null} data-testid="connector-add">
            {t('add')}
          </button>
        </div>
      </div>
      <p className="lead muted">{t('lead')}</p>
      {error ? <ErrorAlert error={error} onRetry={refresh} /> : null}
      {editing && <ConnectorForm key={editing === 'new' ? 'new' : editing.id} initial={editing === 'new' ? undefined : editing} onSave={save} onCancel={() => setEditing(null)} />}
      {items === null ? (
        !error && <Loading />
      ) : items.length === 0 ? (
        <p className="muted empty">{t('empty')}</p>
      ) : (
        <div className="table-wrap card">
          <table className="table con-table" data-testid="connectors-table">
            <thead>
              <tr>
                <th>{t('col.status')}</th>
                <th>{t('col.name')}</th>
                <th>{t('col.kind')}</th>
                <th>{t('col.target')}</th>
                <th className="num">{t('col.latency')}</th>
                <th>{t('col.checked')}</th>
                <th>{t('col.history')}</th>
                <th className="num">{t('col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => {
                const status = c.last?.status ?? 'unknown';
                const h = history[c.id] ?? [];
                return (
                  <tr key={c.id} data-connector={c.name} className={c.enabled ? '' : 'con-disabled'}>
                    <td>
                      <StatusLight status={status} label={t(`status.${status}` as ConKey)} />
                    </td>
                    <td className="con-name">
                      <strong>{c.name}</strong>
                      {!c.enabled && (
                        <>
                          {' '}
                          <Badge tone="grey">{t('disabled')}</Badge>
                        </>
                      )}
                    </td>
                    <td className="con-kind">
                      <Badge tone="blue">{t(`kind.${c.kind}` as ConKey)}</Badge>
                      {c.hasSecret && (
                        <>
                          {' '}
                          <span className="con-secret-badge" title={c.secretFields.join(', ')} data-testid="has-secret">
                            {t('secretBadge')}
                          </span>
                        </>
                      )}
                    </td>
                    <td>
                      <code className="con-target">{targetOf(c)}</code>
                      {c.last?.error && (
                        <div className="con-error" data-testid="check-error" data-code={c.last.error}>
                          {t(`err.${c.last.error}` as ConKey)}
                          {c.last.detail && <span className="con-error-detail">{c.last.detail}</span>}
                        </div>
                      )}
                    </td>
                    <td className="num" data-testid="latency">{c.last?.latencyMs !== null && c.last?.latencyMs !== undefined ? `${c.last.latencyMs} ms` : t('never')}</td>
                    <td className="small">{c.last ? dateTime(c.last.checkedAt) : t('never')}</td>
                    <td>
                      <Sparkline checks={h} title={t('historyTitle', { n: h.length })} />
                    </td>
                    <td>
                      <div className="con-actions">
                        <button type="button" className="btn btn-small" onClick={() => test(c)} disabled={testing === c.id} data-action="test">
                          {testing === c.id ? t('testing') : t('test')}
                        </button>
                        <button type="button" className="btn btn-small" onClick={() => setEditing(c)} disabled={editing !== null} data-action="edit">
                          {t('edit')}
                        </button>
                        <button type="button" className="btn btn-small btn-danger" onClick={() => remove(c)} data-action="delete">
                          {t('delete')}
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <AllowList canEdit={can('connectors.allowlist')} />
    </section>
  );
}
