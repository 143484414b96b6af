import { useLibT } from './i18n.ts';

/** Previous / next over an offset-paged list, with "1–20 of 73". */
export function Pager({ offset, limit, total, onChange }: { offset: number; limit: number; total: number; onChange: (offset: number) => void }) {
  const { t } = useLibT();
  if (total <= limit && offset === 0) return null;
  return (
    <nav className="pager list-pager" aria-label={t('page.range', { from: offset + 1, to: Math.min(total, offset + limit), total })} data-testid="pager">
      <button type="button" className="btn btn-small" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))} data-testid="pager-prev">
        ← {t('page.prev')}
      </button>
      <span className="muted small" data-testid="pager-range">
        {t('page.range', { from: total === 0 ? 0 : offset + 1, to: Math.min(total, offset + limit), total })}
      </span>
      <button type="button" className="btn btn-small" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)} data-testid="pager-next">
        {t('page.next')} →
      </button>
    </nav>
  );
}
