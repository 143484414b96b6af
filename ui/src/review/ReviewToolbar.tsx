import { CANDIDATE_STATUSES, type CandidateStatus } from '../api.ts';
import { useI18n } from '../i18n.ts';
import type { BulkAction } from './BulkFilterDialog.tsx';

/** 待审核 / 已批准 / 已拒绝 with their counts over the whole queue. */
export function StatusTabs({ status, counts, onChange }: { status: CandidateStatus; counts: Record<string, number>; onChange: (s: CandidateStatus) => void }) {
  const { t } = useI18n();
  return (
    <div className="counts review-tabs" role="tablist" aria-label={t('review.statusTabs')}>
      {CANDIDATE_STATUSES.map((s) => (
        <button
          key={s}
          type="button"
          role="tab"
          aria-selected={status === s}
          className={`count-card count-cand-${s}${status === s ? ' active' : ''}`}
          onClick={() => onChange(s)}
          data-tab={s}
        >
          <span className="count-num" data-count={s}>
            {counts[s] ?? 0}
          </span>
          <span className="count-label">{t(`candStatus.${s}`)}</span>
        </button>
      ))}
    </div>
  );
}

/** Actions on the ticked rows, and on everything the filter matches. */
export function BulkBar({
  selected,
  busy,
  onSelected,
  onClear,
  onByFilter,
}: {
  selected: number;
  busy: boolean;
  onSelected: (action: BulkAction) => void;
  onClear: () => void;
  onByFilter: (action: BulkAction) => void;
}) {
  const { t } = useI18n();
  return (
    <div className="bulk-bar" data-testid="bulk-bar">
      <span className="bulk-count" data-testid="selected-count">
        {t('review.selectedCount', { n: selected })}
      </span>
      <button type="button" className="btn btn-small btn-approve" disabled={busy || selected === 0} onClick={() => onSelected('approve')} data-testid="approve-selected">
        {t('review.approveSelected')}
      </button>
      <button type="button" className="btn btn-small btn-danger" disabled={busy || selected === 0} onClick={() => onSelected('reject')} data-testid="reject-selected">
        {t('review.rejectSelected')}
      </button>
      {selected > 0 && (
        <button type="button" className="btn-link small" onClick={onClear}>
          {t('review.clearSelection')}
        </button>
      )}
      <span className="bulk-sep" aria-hidden="true" />
      <span className="muted small">{t('review.bulkByFilter')}</span>
      <button type="button" className="btn btn-small" disabled={busy} onClick={() => onByFilter('approve')} data-testid="bulk-filter-approve">
        {t('review.bulkFilterApprove')}
      </button>
      <button type="button" className="btn btn-small" disabled={busy} onClick={() => onByFilter('reject')} data-testid="bulk-filter-reject">
        {t('review.bulkFilterReject')}
      </button>
    </div>
  );
}

export function Pager({ offset, limit, total, onPage }: { offset: number; limit: number; total: number; onPage: (offset: number) => void }) {
  const { t } = useI18n();
  if (total <= limit && offset === 0) return null;
  return (
    <nav className="pager review-pager" aria-label={t('review.pages')}>
      <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))} data-testid="prev-page">
        ← {t('common.prevPage')}
      </button>
      <span className="muted small">{t('review.showing', { from: Math.min(total, offset + 1), to: Math.min(total, offset + limit), total })}</span>
      <button type="button" className="btn btn-small" disabled={offset + limit >= total} onClick={() => onPage(offset + limit)} data-testid="next-page">
        {t('common.nextPage')} →
      </button>
    </nav>
  );
}
