import { type FormEvent, useState } from 'react';
import { ErrorAlert } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { Dialog } from '../kg/Dialog.tsx';

/** Reject one or several candidates with a comment (why, for the next reviewer and the audit log). */
export function RejectDialog({
  open,
  count,
  summary,
  onClose,
  onSubmit,
}: {
  open: boolean;
  count: number;
  summary?: string;
  onClose: () => void;
  /** Resolves when done; a rejection keeps the dialog open with the server's message. */
  onSubmit: (comment: string | undefined) => Promise<void>;
}) {
  const { t } = useI18n();
  return (
    <Dialog open={open} title={count > 1 ? t('review.rejectManyTitle', { n: count }) : t('review.rejectTitle')} onClose={onClose} testId="reject-dialog">
      <RejectForm summary={summary} onClose={onClose} onSubmit={onSubmit} />
    </Dialog>
  );
}

function RejectForm({ summary, onClose, onSubmit }: { summary?: string; onClose: () => void; onSubmit: (comment: string | undefined) => Promise<void> }) {
  const { t } = useI18n();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSubmit(comment.trim() || undefined);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit}>
      {summary && <p className="dialog-summary">{summary}</p>}
      <label className="field">
        <span>{t('review.rejectReason')}</span>
        <textarea
          className="input textarea"
          value={comment}
          maxLength={2000}
          rows={3}
          placeholder={t('review.rejectPlaceholder')}
          onChange={(e) => setComment(e.target.value)}
          data-testid="reject-comment"
          // biome-ignore lint/a11y/noAutofocus: the dialog opens to type the reason
          autoFocus
        />
      </label>
      {error ? <ErrorAlert error={error} /> : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onClose}>
          {t('review.cancel')}
        </button>
        <button type="submit" className="btn btn-danger" disabled={busy} data-testid="reject-submit">
          {t('review.reject')}
        </button>
      </div>
    </form>
  );
}
