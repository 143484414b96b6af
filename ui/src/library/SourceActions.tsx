import { type FormEvent, useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { EVIDENCE_LEVEL_LABELS, EVIDENCE_LEVELS } from '../../../ingest/evidence-level-names.ts';
import { SOURCE_KINDS, type SourceDto } from '../api.ts';
import { ErrorAlert, Loading } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { Dialog } from '../kg/Dialog.tsx';
import { useAuth } from '../security/auth.tsx';
import { type DeletionPlanDto, libraryApi, type SourcePatchDto } from './api.ts';
import { FormFooter } from './FormFooter.tsx';
import { useLibT } from './i18n.ts';

type Open = 'edit' | 'reparse' | 'delete' | null;

/** Edit / re-parse / delete for a source; shown only to people who may manage sources. */
export function SourceActions({ source, onChanged }: { source: SourceDto; onChanged: () => void }) {
  const { can } = useAuth();
  const { t } = useLibT();
  const [open, setOpen] = useState<Open>(null);
  const [notice, setNotice] = useState('');
  if (!can('sources.manage')) return null;
  const done = (message: string) => {
    setOpen(null);
    setNotice(message);
    onChanged();
  };
  return (
    <div className="card source-actions" data-testid="source-actions">
      <h2 className="card-title">{t('actions.title')}</h2>
      <div className="source-actions-row">
        <button type="button" className="btn" onClick={() => setOpen('edit')} data-testid="source-edit">
          {t('actions.edit')}
        </button>
        <button type="button" className="btn" onClick={() => setOpen('reparse')} disabled={source.status === 'pending'} data-testid="source-reparse">
          {t('actions.reparse')}
        </button>
        <button type="button" className="btn btn-danger" onClick={() => setOpen('delete')} data-testid="source-delete">
          {t('actions.delete')}
        </button>
      </div>
      {notice && (
        <p className="alert alert-success small" role="status">
          {notice}
        </p>
      )}
      <Dialog open={open === 'edit'} title={t('edit.title')} onClose={() => setOpen(null)} testId="edit-dialog">
        <EditForm source={source} onDone={() => done(t('edit.saved'))} onCancel={() => setOpen(null)} />
      </Dialog>
      <Dialog open={open === 'reparse'} title={t('reparse.title')} onClose={() => setOpen(null)} testId="reparse-dialog">
        <ReparseForm source={source} onDone={() => done(t('reparse.queued'))} onCancel={() => setOpen(null)} />
      </Dialog>
      <Dialog open={open === 'delete'} title={t('delete.title')} onClose={() => setOpen(null)} testId="delete-dialog">
        <DeleteForm source={source} onCancel={() => setOpen(null)} />
      </Dialog>
    </div>
  );
}

function EditForm({ source, onDone, onCancel }: { source: SourceDto; onDone: () => void; onCancel: () => void }) {
  const { t: tg, lang } = useI18n();
  const { t } = useLibT();
  const [draft, setDraft] = useState({
    title: source.title,
    kind: source.kind,
    publisher: source.publisher ?? '',
    version: source.version ?? '',
    year: source.year === null ? '' : String(source.year),
    language: source.language,
    evidenceLevel: source.evidenceLevel ?? '',
  });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const patch: SourcePatchDto = {
      title: draft.title.trim(),
      kind: draft.kind,
      publisher: draft.publisher.trim() || null,
      version: draft.version.trim() || null,
      year: draft.year ? Number(draft.year) : null,
      language: draft.language,
      evidenceLevel: (draft.evidenceLevel || null) as SourcePatchDto['evidenceLevel'],
    };
    setBusy(true);
    try {
      await libraryApi.edit(source.id, patch);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="form-grid" data-testid="edit-form">
      <label className="field span-12">
        <span>{tg('sources.titleField')}</span>
        <input className="input" name="title" value={draft.title} onChange={set('title')} maxLength={500} required />
      </label>
      <label className="field span-6">
        <span>{tg('sources.kind')}</span>
        <select className="input" name="kind" value={draft.kind} onChange={set('kind')}>
          {SOURCE_KINDS.map((k) => (
            <option key={k} value={k}>
              {tg(`kind.${k}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field span-6">
        <span>{t('edit.evidence')}</span>
        <select className="input" name="evidenceLevel" value={draft.evidenceLevel} onChange={set('evidenceLevel')}>
          <option value="">{t('edit.evidenceNone')}</option>
          {EVIDENCE_LEVELS.map((l) => (
            <option key={l} value={l}>
              {EVIDENCE_LEVEL_LABELS[l][lang]}
            </option>
          ))}
        </select>
      </label>
      <label className="field span-6">
        <span>{tg('sources.publisher')}</span>
        <input className="input" name="publisher" value={draft.publisher} onChange={set('publisher')} maxLength={300} />
      </label>
      <label className="field span-3">
        <span>{tg('sources.version')}</span>
        <input className="input" name="version" value={draft.version} onChange={set('version')} maxLength={100} />
      </label>
      <label className="field span-3">
        <span>{tg('sources.year')}</span>
        <input className="input" name="year" type="number" min={1900} max={2200} value={draft.year} onChange={set('year')} />
      </label>
      <label className="field span-6">
        <span>{tg('sources.language')}</span>
        <select className="input" name="language" value={draft.language} onChange={set('language')}>
          <option value="zh">{tg('lang.zh')}</option>
          <option value="en">{tg('lang.en')}</option>
        </select>
      </label>
      <FormFooter error={error} onCancel={onCancel} label={t('edit.save')} busy={busy} testId="edit-save" />
    </form>
  );
}

function ReparseForm({ source, onDone, onCancel }: { source: SourceDto; onDone: () => void; onCancel: () => void }) {
  const { t } = useLibT();
  const [chunkChars, setChunkChars] = useState('600');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await libraryApi.reparse(source.id, Number(chunkChars));
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} data-testid="reparse-form">
      <p className="muted small">{t('reparse.body')}</p>
      <label className="field">
        <span>{t('reparse.chunkChars')}</span>
        <input className="input" type="number" name="chunkChars" min={200} max={4000} step={50} value={chunkChars} onChange={(e) => setChunkChars(e.target.value)} />
      </label>
      <FormFooter error={error} onCancel={onCancel} label={t('reparse.submit')} busy={busy} testId="reparse-submit" />
    </form>
  );
}

function DeleteForm({ source, onCancel }: { source: SourceDto; onCancel: () => void }) {
  const { t } = useLibT();
  const navigate = useNavigate();
  const [plan, setPlan] = useState<DeletionPlanDto | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const ctl = new AbortController();
    libraryApi.deletionPlan(source.id, ctl.signal).then(setPlan, (e) => !ctl.signal.aborted && setError(e));
    return () => ctl.abort();
  }, [source.id]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await libraryApi.remove(source.id, reason.trim() || undefined);
      navigate('/sources', { state: { notice: t('delete.done', { title: source.title }) } });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  if (!plan) return error ? <ErrorAlert error={error} /> : <Loading label={t('delete.loading')} />;
  return (
    <form onSubmit={submit} data-testid="delete-form">
      <p>{t('delete.lead', { title: source.title })}</p>
      <ul className="delete-plan" data-testid="delete-plan">
        <li>{t('delete.pages', { n: plan.pages })}</li>
        <li data-plan="passages">{t('delete.passages', { n: plan.passages })}</li>
        <li data-plan="candidates">{t('delete.candidates', plan.candidates)}</li>
        <li data-plan="retired" className={plan.relationsRetired.length ? 'plan-warn' : undefined}>
          {t('delete.retired', { n: plan.relationsRetired.length })}
          {plan.relationsRetired.length > 0 && (
            <ul className="plan-relations">
              {plan.relationsRetired.slice(0, 6).map((r) => (
                <li key={r.id}>
                  {r.subject} → {r.object}
                </li>
              ))}
              {plan.relationsRetired.length > 6 && <li>…</li>}
            </ul>
          )}
        </li>
        <li>{t('delete.kept', { n: plan.relationsKept })}</li>
        {plan.restores && <li>{t('delete.restores', { title: plan.restores.title, n: plan.restores.versionNo })}</li>}
      </ul>
      <label className="field">
        <span>{t('delete.reason')}</span>
        <input className="input" name="reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
      </label>
      <FormFooter error={error} onCancel={onCancel} label={t('delete.confirm')} busy={busy} danger testId="delete-confirm" />
    </form>
  );
}
