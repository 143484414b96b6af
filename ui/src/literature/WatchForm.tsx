import { type FormEvent, useState } from 'react';
import { ErrorAlert } from '../components.tsx';
import type { Watch, WatchDraft } from './api.ts';
import { useLitT } from './i18n.ts';
import { SchedulePicker } from './SchedulePicker.tsx';

const list = (s: string) => s.split(/[,，;；\n]/).map((x) => x.trim()).filter(Boolean);

/** Define or change a watch. The server validates (cron, lengths) and its message is shown as is. */
export function WatchForm({ initial, onSave, onCancel }: { initial?: Watch; onSave: (w: WatchDraft) => Promise<void>; onCancel: () => void }) {
  const { t } = useLitT();
  const [name, setName] = useState(initial?.name ?? '');
  const [query, setQuery] = useState(initial?.query ?? '');
  const [mesh, setMesh] = useState(initial?.meshTerms.join(', ') ?? '');
  const [journals, setJournals] = useState(initial?.journals.join(', ') ?? '');
  const [languages, setLanguages] = useState(initial?.languages.join(', ') ?? '');
  const [lookback, setLookback] = useState(String(initial?.lookbackDays ?? 1095));
  const [cron, setCron] = useState(initial?.cron ?? '0 3 1 * *');
  const [max, setMax] = useState(String(initial?.maxRecords ?? 2000));
  const [enabled, setEnabled] = useState(initial?.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSave({
        name, query, meshTerms: list(mesh), journals: list(journals), languages: list(languages).map((l) => l.toLowerCase()),
        lookbackDays: Number(lookback), cron, maxRecords: Number(max), enabled,
      });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card watch-form" onSubmit={submit} data-testid="watch-form">
      <div className="watch-form-grid">
        <label className="field">
          <span className="field-label">{t('field.name')}</span>
          <input className="input" name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
        </label>
        <label className="field wide">
          <span className="field-label">{t('field.query')}</span>
          <input className="input mono" name="query" value={query} onChange={(e) => setQuery(e.target.value)} required maxLength={2000} placeholder={t('field.queryHint')} />
        </label>
        <label className="field">
          <span className="field-label">{t('field.mesh')} <span className="muted small">({t('field.listHint')})</span></span>
          <input className="input" name="mesh" value={mesh} onChange={(e) => setMesh(e.target.value)} placeholder="Lung Neoplasms, Radiomics" />
        </label>
        <label className="field">
          <span className="field-label">{t('field.journals')}</span>
          <input className="input" name="journals" value={journals} onChange={(e) => setJournals(e.target.value)} placeholder="Radiology" />
        </label>
        <label className="field">
          <span className="field-label">{t('field.languages')}</span>
          <input className="input" name="languages" value={languages} onChange={(e) => setLanguages(e.target.value)} placeholder="english, chinese" />
        </label>
        <label className="field">
          <span className="field-label">{t('field.lookback')}</span>
          <input className="input" name="lookback" type="number" min={1} max={36500} value={lookback} onChange={(e) => setLookback(e.target.value)} />
        </label>
        <div className="field">
          <span className="field-label">{t('field.cron')}</span>
          <SchedulePicker cron={cron} onChange={setCron} />
        </div>
        <label className="field">
          <span className="field-label">{t('field.max')}</span>
          <input className="input" name="max" type="number" min={1} max={100000} value={max} onChange={(e) => setMax(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> {t('field.enabled')}
        </label>
      </div>
      {error ? <ErrorAlert error={error} /> : null}
      <div className="form-actions">
        <button type="button" className="btn" onClick={onCancel} disabled={busy}>
          {t('cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="watch-save">
          {t('save')}
        </button>
      </div>
    </form>
  );
}
