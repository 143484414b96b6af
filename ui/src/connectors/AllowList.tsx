import { type FormEvent, useState } from 'react';
import { ErrorAlert, useInterval } from '../components.tsx';
import { type AllowEntry, connectorsApi } from './api.ts';
import { useConT } from './i18n.ts';

/**
 * The connector target allow-list: everyone who manages connectors sees it; only a holder of
 * connectors.allowlist (admin) adds or removes entries.
 */
export function AllowList({ canEdit }: { canEdit: boolean }) {
  const { t, dateTime } = useConT();
  const [items, setItems] = useState<AllowEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pattern, setPattern] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);

  useInterval(
    async (signal) => {
      try {
        setItems((await connectorsApi.allowlist(signal)).items);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    60_000,
    [tick],
  );

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      setTick((n) => n + 1);
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (await act(() => connectorsApi.allow(pattern, note))) {
      setPattern('');
      setNote('');
    }
  };

  const remove = (entry: AllowEntry) => {
    if (window.confirm(t('allow.confirmRemove', { pattern: entry.pattern }))) void act(() => connectorsApi.disallow(entry.id));
  };

  return (
    <section className="card con-allow" data-testid="allowlist" aria-labelledby="con-allow-title">
      <h2 id="con-allow-title">{t('allow.title')}</h2>
      <p className="lead muted">{t('allow.lead')}</p>
      {error ? <ErrorAlert error={error} /> : null}
      {items && (
        <table className="table con-allow-table">
          <thead>
            <tr>
              <th>{t('allow.pattern')}</th>
              <th>{t('allow.note')}</th>
              <th>{t('allow.by')}</th>
              <th>{t('allow.added')}</th>
              {canEdit && <th className="num">{t('col.actions')}</th>}
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id} data-allow={e.pattern}>
                <td>
                  <code>{e.pattern}</code>
                </td>
                <td>{e.note}</td>
                <td className="small">{e.createdBy}</td>
                <td className="small">{dateTime(e.createdAt)}</td>
                {canEdit && (
                  <td className="num">
                    <button type="button" className="btn btn-small btn-danger" onClick={() => remove(e)} disabled={busy} data-action="remove-allow">
                      {t('allow.remove')}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit ? (
        <form className="con-allow-form" onSubmit={add} data-testid="allow-form">
          <label className="field">
            <span className="field-label">{t('allow.pattern')}</span>
            <input className="input mono" name="pattern" value={pattern} onChange={(e) => setPattern(e.target.value)} placeholder={t('allow.placeholder')} required size={34} />
          </label>
          <label className="field">
            <span className="field-label">{t('allow.note')}</span>
            <input className="input" name="note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={200} />
          </label>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t('allow.add')}
          </button>
        </form>
      ) : (
        <p className="muted small">{t('allow.readOnly')}</p>
      )}
    </section>
  );
}
