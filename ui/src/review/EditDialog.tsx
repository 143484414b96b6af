import { type FormEvent, useState } from 'react';
import { type ApprovalEdit, api, type Candidate, type Certainty, type Predicate } from '../api.ts';
import { ErrorAlert } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { Dialog } from '../kg/Dialog.tsx';
import { type EntityBrief, EntityPicker } from '../kg/EntityPicker.tsx';
import { CERTAINTIES, PREDICATES } from '../kg/vocab.ts';
import { isContradiction } from './CandidateRow.tsx';

export interface EditPreset {
  subject?: EntityBrief;
  object?: EntityBrief;
}

function sideValue(c: Candidate, side: 'subject' | 'object'): EntityBrief | null {
  const s = c[side];
  return s.entityId ? { id: s.entityId, nameZh: s.nameZh ?? s.text, type: s.type } : null;
}

/**
 * Edit-then-approve: change predicate, certainty, subject or object (entity autocomplete), then approve.
 * Only changed fields are sent; the row version guards against someone deciding first.
 */
export function EditDialog({ candidate: c, preset, onClose, onDone }: { candidate: Candidate | null; preset?: EditPreset; onClose: () => void; onDone: (c: Candidate) => void }) {
  const { t } = useI18n();
  return (
    <Dialog open={c !== null} title={t('review.editTitle')} onClose={onClose} testId="edit-dialog" wide>
      {c && <EditForm c={c} preset={preset} onClose={onClose} onDone={onDone} />}
    </Dialog>
  );
}

function EditForm({ c, preset, onClose, onDone }: { c: Candidate; preset?: EditPreset; onClose: () => void; onDone: (c: Candidate) => void }) {
  const { t } = useI18n();
  const [subject, setSubject] = useState<EntityBrief | null>(preset?.subject ?? sideValue(c, 'subject'));
  const [object, setObject] = useState<EntityBrief | null>(preset?.object ?? sideValue(c, 'object'));
  const [predicate, setPredicate] = useState<Predicate>(c.predicate);
  const [certainty, setCertainty] = useState<Certainty>(c.certainty);
  const [comment, setComment] = useState('');
  const [override, setOverride] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const edit: ApprovalEdit = {};
    if (subject && subject.id !== c.subject.entityId) edit.subjectId = subject.id;
    if (object && object.id !== c.object.entityId) edit.objectId = object.id;
    if (predicate !== c.predicate) edit.predicate = predicate;
    if (certainty !== c.certainty) edit.certainty = certainty;
    setBusy(true);
    setError(null);
    try {
      const out = await api.approve(c.id, {
        edit: Object.keys(edit).length ? edit : undefined,
        comment: comment.trim() || undefined,
        expectedVersion: c.rowVersion,
        overrideConflict: override || undefined,
      });
      onDone(out);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="edit-form">
      <blockquote className="quote">{c.quote}</blockquote>
      <div className="edit-grid">
        <div className="field">
          <label htmlFor="edit-subject">
            {t('review.subject')} <span className="muted">（{c.subject.text}）</span>
          </label>
          <EntityPicker id="edit-subject" testId="edit-subject" value={subject} onChange={setSubject} />
        </div>
        <label className="field">
          <span>{t('review.predicate')}</span>
          <select className="input" value={predicate} onChange={(e) => setPredicate(e.target.value as Predicate)} data-testid="edit-predicate">
            {PREDICATES.map((p) => (
              <option key={p} value={p}>
                {t(`predicate.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <div className="field">
          <label htmlFor="edit-object">
            {t('review.object')} <span className="muted">（{c.object.text}）</span>
          </label>
          <EntityPicker id="edit-object" testId="edit-object" value={object} onChange={setObject} />
        </div>
      </div>
      <fieldset className="plain field">
        <legend>{t('review.certainty')}</legend>
        <div className="segmented" data-testid="edit-certainty">
          {CERTAINTIES.map((x) => (
            <label key={x} className={certainty === x ? 'active' : ''}>
              <input type="radio" name="certainty" value={x} checked={certainty === x} onChange={() => setCertainty(x)} />
              {t(`certainty.${x}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <label className="field">
        <span>{t('review.commentOptional')}</span>
        <textarea className="input textarea" value={comment} maxLength={2000} rows={2} onChange={(e) => setComment(e.target.value)} />
      </label>
      {(c.conflicts.contradicting.length > 0 || isContradiction(error)) && (
        <label className="check override">
          <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} data-testid="edit-override" />
          {t('review.overrideConflict')}
        </label>
      )}
      {error ? <ErrorAlert error={error} /> : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          {t('review.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || !subject || !object} data-testid="edit-submit">
          {t('review.approve')}
        </button>
      </div>
    </form>
  );
}
