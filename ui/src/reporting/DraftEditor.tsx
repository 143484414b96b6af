import { useEffect, useState } from 'react';
import { Badge, ErrorAlert } from '../components.tsx';
import { type Draft, type QcResult, reportsApi } from './api.ts';
import { type ReportKey, useReportT } from './i18n.ts';

const TONE = { error: 'red', warning: 'amber', info: 'blue' } as const;

/**
 * Edit a draft's findings and impression with QC re-run as you type (debounced); saving stores the edit as a new
 * draft that names the one it revises (the guard's verdict on values not in the inputs comes back with it).
 */
export function DraftEditor({ draft, onSaved, onCancel }: { draft: Draft; onSaved: (d: Draft) => void; onCancel: () => void }) {
  const { t, say } = useReportT();
  const [findings, setFindings] = useState(draft.findings);
  const [impression, setImpression] = useState(draft.impression);
  const [qc, setQc] = useState<QcResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!findings.trim() || !impression.trim()) return setQc(null);
    const timer = setTimeout(() => {
      reportsApi.qc(`影像所见：${findings}\n印象：${impression}`, draft.templateId).then(setQc, () => setQc(null));
    }, 350);
    return () => clearTimeout(timer);
  }, [findings, impression, draft.templateId]);

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      onSaved(await reportsApi.revise(draft.id, { findings, impression }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="draft-editor" data-testid="draft-editor">
      <label className="field">
        <span className="field-label">{t('draft.findings')}</span>
        <textarea className="qc-textarea editor-text" name="editFindings" value={findings} onChange={(e) => setFindings(e.target.value)} />
      </label>
      <label className="field">
        <span className="field-label">{t('draft.impression')}</span>
        <textarea className="qc-textarea editor-text short" name="editImpression" value={impression} onChange={(e) => setImpression(e.target.value)} />
      </label>
      <div data-testid="edit-qc" data-flags={qc?.flags.length ?? ''}>
        {qc && (qc.flags.length === 0 ? <Badge tone="green">{t('draft.qcClean')}</Badge> : <Badge tone="amber">{t('edit.qcFlags', { n: qc.flags.length })}</Badge>)}
        {qc && qc.flags.length > 0 && (
          <ul className="flag-list">
            {qc.flags.map((f) => (
              <li key={`${f.kind}-${f.span?.start ?? 'x'}-${f.message}`} data-kind={f.kind}>
                <Badge tone={TONE[f.severity]}>{t(`kind.${f.kind}` as ReportKey)}</Badge>
                <span className="flag-msg">{say(f.message)}</span>
                {f.suggestion && <span className="mono small">→ {f.suggestion}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
      {error ? <ErrorAlert error={error} /> : null}
      <div className="report-actions">
        <button type="button" className="btn btn-primary" disabled={busy || !findings.trim() || !impression.trim()} onClick={save} data-testid="edit-save">
          {t('edit.save')}
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          {t('edit.cancel')}
        </button>
      </div>
    </div>
  );
}
