import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { api, type BulkResult, type CandidateQuery, type Predicate } from '../api.ts';
import { ErrorAlert, Loading } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { Dialog } from '../kg/Dialog.tsx';
import { type BulkPreviewDto, vocabularyApi } from '../vocabulary/api.ts';
import { useVocabularyStrings } from '../vocabulary/i18n.ts';
import '../vocabulary/vocabulary.css';

export type BulkAction = 'approve' | 'reject';

/**
 * "Approve/reject everything the filter matches". Approval first shows what it would approve — counts per
 * predicate and per source, a sample, and what is held back (contradictions are never approved in bulk,
 * nor candidates with an unlinked side) — and above the server's limit the reviewer types the number to
 * confirm it. Rejection confirms the count of pending candidates the filter matches.
 */
export function BulkFilterDialog({
  action,
  filter,
  onClose,
  onDone,
}: {
  action: BulkAction | null;
  filter: Omit<CandidateQuery, 'status'>;
  onClose: () => void;
  onDone: (result: BulkResult, action: BulkAction) => void;
}) {
  const { t } = useI18n();
  return (
    <Dialog open={action !== null} title={t('review.bulkConfirmTitle')} onClose={onClose} testId="bulk-dialog" wide={action === 'approve'}>
      {action === 'approve' && <ApproveForm filter={filter} onClose={onClose} onDone={onDone} />}
      {action === 'reject' && <RejectForm filter={filter} onClose={onClose} onDone={onDone} />}
    </Dialog>
  );
}

function ApproveForm({ filter, onClose, onDone }: { filter: Omit<CandidateQuery, 'status'>; onClose: () => void; onDone: (r: BulkResult, a: BulkAction) => void }) {
  const { t } = useI18n();
  const v = useVocabularyStrings();
  const [preview, setPreview] = useState<BulkPreviewDto | null>(null);
  const [typed, setTyped] = useState('');
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const ctl = new AbortController();
    vocabularyApi
      .bulkPreview(filter, ctl.signal)
      .then(setPreview)
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e);
      });
    return () => ctl.abort();
  }, [filter]);

  const confirmed = !preview?.confirmationRequired || Number(typed) === preview.approvable;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!preview || !confirmed) return;
    setBusy(true);
    setError(null);
    try {
      onDone(await api.bulk({ action: 'approve', filter, comment: comment.trim() || undefined, ...(preview.confirmationRequired ? { confirmCount: preview.approvable } : {}) }), 'approve');
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  if (!preview) return error ? <ErrorAlert error={error} /> : <Loading label={v.t('bulk.previewing')} />;
  const verb = t('review.approve');
  return (
    <form onSubmit={submit} data-testid="bulk-preview">
      <p className="dialog-summary" data-testid="bulk-total" data-total={preview.approvable}>
        <strong>{v.t('bulk.approvable', { n: preview.approvable })}</strong>
      </p>
      <p className="small muted" data-testid="bulk-held" data-conflicts={preview.conflicts} data-unresolved={preview.unresolved}>
        {v.t('bulk.heldBack', { conflicts: preview.conflicts, unresolved: preview.unresolved, total: preview.total })}
      </p>
      {preview.approvable > 0 && (
        <div className="bulk-breakdown">
          <div>
            <h3 className="panel-heading">{v.t('bulk.byPredicate')}</h3>
            <ul className="plain-list small" data-testid="bulk-by-predicate">
              {Object.entries(preview.byPredicate).map(([p, n]) => (
                <li key={p} data-predicate={p}>
                  {t(`predicate.${p as Predicate}`)} <strong>{n}</strong>
                </li>
              ))}
            </ul>
          </div>
          <div>
            <h3 className="panel-heading">{v.t('bulk.bySource')}</h3>
            <ul className="plain-list small" data-testid="bulk-by-source">
              {preview.bySource.map((s) => (
                <li key={s.sourceId}>
                  {s.title} <strong>{s.count}</strong>
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}
      {preview.sample.length > 0 && (
        <>
          <h3 className="panel-heading">{v.t('bulk.sample')}</h3>
          <ul className="plain-list small bulk-sample" data-testid="bulk-sample">
            {preview.sample.map((c) => (
              <li key={c.id}>
                {c.subject.nameZh ?? c.subject.text} —{t(`predicate.${c.predicate}`)}→ {c.object.nameZh ?? c.object.text}
                <span className="muted">「{c.quote.slice(0, 60)}」</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {preview.confirmationRequired && (
        <label className="field">
          <span>{v.t('bulk.confirmLabel', { limit: preview.limit, n: preview.approvable })}</span>
          <input className="input" inputMode="numeric" value={typed} onChange={(e) => setTyped(e.target.value.trim())} data-testid="bulk-confirm-count" aria-invalid={typed !== '' && !confirmed} />
          {typed !== '' && !confirmed && <span className="small error-text">{v.t('bulk.confirmMismatch')}</span>}
        </label>
      )}
      <CommentAndSubmit comment={comment} onComment={setComment} error={error} onClose={onClose} tone="btn-primary" disabled={busy || !preview.approvable || !confirmed}>
        {preview.approvable ? t('review.bulkConfirmButton', { action: verb, n: preview.approvable }) : v.t('bulk.nothing')}
      </CommentAndSubmit>
    </form>
  );
}

function RejectForm({ filter, onClose, onDone }: { filter: Omit<CandidateQuery, 'status'>; onClose: () => void; onDone: (r: BulkResult, a: BulkAction) => void }) {
  const { t } = useI18n();
  const [total, setTotal] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const ctl = new AbortController();
    api
      .candidates({ ...filter, status: 'pending', limit: 1 }, ctl.signal)
      .then((r) => setTotal(r.total))
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e);
      });
    return () => ctl.abort();
  }, [filter]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(await api.bulk({ action: 'reject', filter, comment: comment.trim() || undefined }), 'reject');
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const verb = t('review.reject');
  return (
    <form onSubmit={submit}>
      {total === null && !error ? (
        <Loading label={t('review.bulkCounting')} />
      ) : (
        <p className="dialog-summary" data-testid="bulk-total" data-total={total ?? ''}>
          {t('review.bulkConfirmBody', { n: total ?? 0, action: verb })}
        </p>
      )}
      {total !== null && total > 5000 && <p className="notice">{t('review.bulkCap')}</p>}
      <CommentAndSubmit comment={comment} onComment={setComment} error={error} onClose={onClose} tone="btn-danger" disabled={busy || !total}>
        {t('review.bulkConfirmButton', { action: verb, n: total ?? 0 })}
      </CommentAndSubmit>
    </form>
  );
}

function CommentAndSubmit({
  comment,
  onComment,
  error,
  onClose,
  tone,
  disabled,
  children,
}: {
  comment: string;
  onComment: (c: string) => void;
  error: unknown;
  onClose: () => void;
  tone: 'btn-primary' | 'btn-danger';
  disabled: boolean;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <>
      <label className="field">
        <span>{t('review.commentOptional')}</span>
        <textarea className="input textarea" rows={2} maxLength={2000} value={comment} onChange={(e) => onComment(e.target.value)} />
      </label>
      {error ? <ErrorAlert error={error} /> : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          {t('review.cancel')}
        </button>
        <button type="submit" className={`btn ${tone}`} disabled={disabled} data-testid="bulk-confirm">
          {children}
        </button>
      </div>
    </>
  );
}
