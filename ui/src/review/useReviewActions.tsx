import { type ReactNode, useCallback, useState } from 'react';
import { api, type BulkResult, type Candidate } from '../api.ts';
import { useI18n } from '../i18n.ts';
import type { BulkAction } from './BulkFilterDialog.tsx';

type Tone = 'success' | 'warn';
interface Notice {
  tone: Tone;
  text: string;
  details?: string[];
}

/**
 * Review decisions with their feedback: which row is busy, each row's error (a 409 shows the
 * server's message on that row), and one notice line for the last decision or bulk result.
 */
export function useReviewActions(reload: () => void) {
  const { t, lang } = useI18n();
  const [busy, setBusy] = useState<string | null>(null);
  const [errors, setErrors] = useState<Readonly<Record<string, unknown>>>({});
  const [notice, setNotice] = useState<Notice | null>(null);

  const say = useCallback((tone: Tone, text: string, details?: string[]) => setNotice({ tone, text, details }), []);
  const setError = (id: string, e: unknown) =>
    setErrors((all) => {
      const next = { ...all };
      if (e === null) delete next[id];
      else next[id] = e;
      return next;
    });

  const tripleText = useCallback(
    (c: Candidate) => {
      const name = (s: Candidate['subject']) => s.nameZh ?? s.text;
      return `${name(c.subject)} —${t(`predicate.${c.predicate}`)}→ ${name(c.object)}`;
    },
    [t],
  );

  const reportDecision = (c: Candidate) => {
    setError(c.id, null);
    say('success', t(c.status === 'approved' ? 'review.doneApproved' : 'review.doneRejected', { triple: tripleText(c) }));
    reload();
  };

  const approve = async (c: Candidate, overrideConflict = false) => {
    setBusy(c.id);
    setError(c.id, null);
    try {
      reportDecision(await api.approve(c.id, { expectedVersion: c.rowVersion, overrideConflict: overrideConflict || undefined }));
    } catch (e) {
      setError(c.id, e);
    } finally {
      setBusy(null);
    }
  };

  const reportBulk = (r: BulkResult, action: BulkAction) => {
    const verb = t(action === 'approve' ? 'review.approve' : 'review.reject');
    say(
      r.failed.length ? 'warn' : 'success',
      t('review.bulkResult', { action: verb, done: r.done.length, failed: r.failed.length }),
      r.failed.slice(0, 5).map((f) => `${f.id}: ${f.message}`),
    );
    reload();
  };

  const bulkIds = async (ids: string[], action: BulkAction) => {
    setBusy('bulk');
    try {
      reportBulk(await api.bulk({ action, ids }), action);
    } catch (e) {
      say('warn', e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };

  const node: ReactNode = notice ? (
    <div className={`alert alert-${notice.tone === 'success' ? 'success' : 'warn'} review-notice`} role="status" data-testid="review-notice" lang={lang === 'zh' ? 'zh-CN' : 'en'}>
      <div className="alert-body">
        <span>{notice.text}</span>
        {notice.details?.map((d) => (
          <span key={d} className="small">
            {d}
          </span>
        ))}
      </div>
      <button type="button" className="dialog-x" onClick={() => setNotice(null)} aria-label={t('common.close')}>
        ×
      </button>
    </div>
  ) : null;

  return { busy, errors, notice: node, say, approve, bulkIds, reportBulk, reportDecision, tripleText };
}
