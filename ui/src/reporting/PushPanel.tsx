import { useCallback, useEffect, useState } from 'react';
import { Badge, ErrorAlert } from '../components.tsx';
import { type Push, type PushFormat, type PushTarget, reportsApi } from './api.ts';
import { type ReportKey, useReportT } from './i18n.ts';

const TONE = { queued: 'blue', retrying: 'amber', sent: 'green', failed: 'red' } as const;
const FORMATS: Array<{ id: PushFormat; label: string }> = [
  { id: 'hl7', label: 'HL7 v2 ORU^R01' },
  { id: 'fhir', label: 'FHIR R4' },
  { id: 'json', label: 'JSON' },
];

/**
 * "Insert into RIS" through the outbox: pick a push target and format, queue it, and follow each push of this
 * draft (queued / retrying with its last error / sent / failed, with a retry button). Polls while anything is
 * still on its way.
 */
export function PushPanel({ draftId }: { draftId: string }) {
  const { t, dateTime } = useReportT();
  const [targets, setTargets] = useState<PushTarget[] | null>(null);
  const [target, setTarget] = useState('');
  const [format, setFormat] = useState<PushFormat>('hl7');
  const [pushes, setPushes] = useState<Push[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback((signal?: AbortSignal) => reportsApi.pushes(draftId, signal).then((r) => setPushes(r.items), () => undefined), [draftId]);
  useEffect(() => {
    const ctl = new AbortController();
    reportsApi.pushTargets(ctl.signal).then((r) => {
      setTargets(r.items);
      setTarget((cur) => cur || r.items[0]?.id || '');
    }, () => setTargets([]));
    load(ctl.signal);
    return () => ctl.abort();
  }, [load]);
  const pending = pushes.some((p) => p.status === 'queued' || p.status === 'retrying');
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => load(), 1500);
    return () => clearInterval(timer);
  }, [pending, load]);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="push-panel" data-testid="push-panel">
      <h3 className="section-title small">{t('push.title')}</h3>
      <p className="muted small">{t('push.lead')}</p>
      {targets?.length === 0 ? (
        <p className="muted small" data-testid="push-no-targets">{t('push.noTargets')}</p>
      ) : (
        <div className="push-form">
          <label className="field">
            <span className="field-label">{t('push.target')}</span>
            <select name="pushTarget" value={target} onChange={(e) => setTarget(e.target.value)}>
              {targets?.map((x) => (
                <option key={x.id} value={x.id}>{x.name}</option>
              ))}
            </select>
          </label>
          <label className="field">
            <span className="field-label">{t('push.format')}</span>
            <select name="pushFormat" value={format} onChange={(e) => setFormat(e.target.value as PushFormat)}>
              {FORMATS.map((f) => (
                <option key={f.id} value={f.id}>{f.label}</option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-primary" disabled={busy || !target} onClick={() => act(() => reportsApi.push(draftId, target, format))} data-testid="push-send">
            {busy ? t('push.sending') : t('push.send')}
          </button>
        </div>
      )}
      {error ? <ErrorAlert error={error} /> : null}
      {pushes.length === 0 ? (
        <p className="muted small">{t('push.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="push-table">
            <thead>
              <tr>
                <th>{t('push.when')}</th>
                <th>{t('push.target')}</th>
                <th>{t('push.format')}</th>
                <th>{t('push.status')}</th>
                <th>{t('push.attempts')}</th>
                <th>{t('push.error')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {pushes.map((p) => (
                <tr key={p.id} data-push={p.id} data-status={p.status}>
                  <td className="small">{dateTime(p.createdAt)}</td>
                  <td>{p.connectorName}</td>
                  <td className="mono small">{p.format}</td>
                  <td>
                    <Badge tone={TONE[p.status]}>{t(`push.st.${p.status}` as ReportKey)}</Badge>
                  </td>
                  <td>{p.attempts}</td>
                  <td className="small cell-error">{p.lastError ?? ''}</td>
                  <td>
                    {p.status === 'failed' && (
                      <button type="button" className="btn btn-small" disabled={busy} onClick={() => act(() => reportsApi.retryPush(p.id))} data-testid="push-retry">
                        {t('push.retry')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
