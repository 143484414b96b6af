import { type FormEvent, useEffect, useState } from 'react';
import { api, type BulkResult, type CandidateQuery } from '../api.ts';
import { ErrorAlert, Loading } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { Dialog } from '../kg/Dialog.tsx';

export type BulkAction = 'approve' | 'reject';

/**
 * "Approve/reject everything the filter matches": first counts the pending candidates the filter
 * matches (the server acts on pending ones only), and acts only after the reviewer confirms that number.
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
    <Dialog open={action !== null} title={t('review.bulkConfirmTitle')} onClose={onClose} testId="bulk-dialog">
      {action && <BulkForm action={action} filter={filter} onClose={onClose} onDone={onDone} />}
    </Dialog>
  );
}

function BulkForm({ action, filter, onClose, onDone }: { action: BulkAction; filter: Omit<CandidateQuery, 'status'>; onClose: () => void; onDone: (r: BulkResult, a: BulkAction) => void }) {
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
      onDone(await api.bulk({ action, filter, comment: comment.trim() || undefined }), action);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const verb = t(action === 'approve' ? 'review.approve' : 'review.reject');
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
      <label className="field">
        <span>{t('review.commentOptional')}</span>
        <textarea className="input textarea" rows={2} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      {error ? <ErrorAlert error={error} /> : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          {t('review.cancel')}
        </button>
        <button
          type="submit"
          className={`btn ${action === 'approve' ? 'btn-primary' : 'btn-danger'}`}
          disabled={busy || !total}
          data-testid="bulk-confirm"
        >
          {t('review.bulkConfirmButton', { action: verb, n: total ?? 0 })}
        </button>
      </div>
    </form>
  );
}
