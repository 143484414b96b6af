import type { Candidate } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { CandidateRow, type RowAction, type Side } from './CandidateRow.tsx';

export function CandidateTable({
  items,
  cursor,
  checked,
  expanded,
  busy,
  errors,
  onSelect,
  onCheck,
  onCheckAll,
  onAction,
  onResolve,
}: {
  items: Candidate[];
  cursor: number;
  checked: ReadonlySet<string>;
  expanded: ReadonlySet<string>;
  busy: string | null;
  errors: Readonly<Record<string, unknown>>;
  onSelect: (index: number) => void;
  onCheck: (id: string, on: boolean) => void;
  onCheckAll: (on: boolean) => void;
  onAction: (c: Candidate, action: RowAction) => void;
  onResolve: (c: Candidate, side: Side) => void;
}) {
  const { t } = useI18n();
  const pending = items.filter((c) => c.status === 'pending');
  const allChecked = pending.length > 0 && pending.every((c) => checked.has(c.id));
  return (
    <div className="table-wrap">
      <table className="table review-table" data-testid="review-table">
        <thead>
          <tr>
            <th className="col-check">
              <input
                type="checkbox"
                checked={allChecked}
                disabled={pending.length === 0}
                onChange={(e) => onCheckAll(e.target.checked)}
                aria-label={t('review.checkAll')}
                data-testid="check-all"
              />
            </th>
            <th className="col-triple">{t('review.col.triple')}</th>
            <th>{t('review.col.evidence')}</th>
            <th className="num col-confidence">{t('review.col.confidence')}</th>
            <th className="col-actions">{t('review.col.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((c, i) => (
            <CandidateRow
              key={c.id}
              c={c}
              selected={i === cursor}
              checked={checked.has(c.id)}
              expanded={expanded.has(c.id)}
              busy={busy === c.id || busy === 'bulk'}
              error={errors[c.id] ?? null}
              onSelect={() => onSelect(i)}
              onCheck={(on) => onCheck(c.id, on)}
              onAction={(a) => onAction(c, a)}
              onResolve={(side) => onResolve(c, side)}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}
