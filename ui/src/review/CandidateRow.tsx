import { Link } from 'react-router-dom';
import type { Candidate, EntityType } from '../api.ts';
import { Badge, ErrorAlert, MarkedText } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { CertaintyBadge, PredicateArrow, TypeDot } from '../kg/badges.tsx';
import { Citation } from '../kg/Citation.tsx';
import { CandidateHistory } from './CandidateHistory.tsx';

export type RowAction = 'approve' | 'edit' | 'reject' | 'history' | 'override';
export type Side = 'subject' | 'object';
const COLUMNS = 5;

export interface CandidateRowProps {
  c: Candidate;
  selected: boolean;
  checked: boolean;
  expanded: boolean;
  busy: boolean;
  error: unknown;
  onSelect: () => void;
  onCheck: (checked: boolean) => void;
  onAction: (action: RowAction) => void;
  onResolve: (side: Side) => void;
}

/** One candidate triple: the claim, its quote and citation, markers, and the reviewer's actions. */
export function CandidateRow({ c, selected, checked, expanded, busy, error, onSelect, onCheck, onAction, onResolve }: CandidateRowProps) {
  const { t } = useI18n();
  const pending = c.status === 'pending';
  return (
    <>
      <tr
        className={`cand-row${selected ? ' selected' : ''}${checked ? ' checked' : ''}`}
        data-candidate-id={c.id}
        data-status={c.status}
        aria-selected={selected}
        onClick={onSelect}
      >
        <td className="col-check">
          <input
            type="checkbox"
            checked={checked}
            disabled={!pending}
            onChange={(e) => onCheck(e.target.checked)}
            aria-label={t('review.check')}
            data-testid="row-check"
          />
        </td>
        <td className="cell-triple">
          <div className="triple">
            <SideCell c={c} side="subject" onResolve={onResolve} />
            <PredicateArrow predicate={c.predicate} />
            <SideCell c={c} side="object" onResolve={onResolve} />
          </div>
          <div className="cell-sub markers">
            <CertaintyBadge certainty={c.certainty} />
            <ConflictMarkers c={c} />
            {c.demo && <Badge tone="amber">{t('badge.demo')}</Badge>}
            {c.tags.includes('new_literature') && <Badge tone="purple">{t('badge.newLiterature')}</Badge>}
            {c.tags.includes('import:unsigned') && (
              <span title={t('badge.unsignedImportHint')} data-testid="unsigned-import">
                <Badge tone="amber">{t('badge.unsignedImport')}</Badge>
              </span>
            )}
          </div>
        </td>
        <td className="cell-evidence">
          <blockquote className="quote" data-testid="quote">
            <MarkedText text={c.quote} ranges={mentionRanges(c)} markClass="mention-mark" />
          </blockquote>
          <Citation title={c.source.title} version={c.source.version} year={c.source.year} page={c.page} chunkId={c.chunkId} superseded={c.source.superseded} retracted={c.tags.includes('retracted_source')} />
        </td>
        <td className="cell-confidence">
          <span className="confidence" data-testid="confidence">
            {c.confidence.toFixed(2)}
          </span>
          <div className="cell-sub muted" data-testid="extractor">
            {t(`extractor.${c.extractor}`)} · {c.extractorVersion}
          </div>
        </td>
        <td className="cell-actions">
          {pending ? (
            <div className="row-actions">
              <button type="button" className="btn btn-small btn-approve" disabled={busy} onClick={() => onAction('approve')} data-action="approve">
                {t('review.approve')}
              </button>
              <button type="button" className="btn btn-small" disabled={busy} onClick={() => onAction('edit')} data-action="edit">
                {t('review.edit')}
              </button>
              <button type="button" className="btn btn-small btn-danger" disabled={busy} onClick={() => onAction('reject')} data-action="reject">
                {t('review.reject')}
              </button>
            </div>
          ) : (
            <Decision c={c} />
          )}
          <button type="button" className="btn-link small" aria-expanded={expanded} onClick={() => onAction('history')} data-action="history">
            {expanded ? t('review.hideHistory') : t('review.history')}
          </button>
        </td>
      </tr>
      {error ? (
        <tr className="cand-sub" data-error-for={c.id}>
          <td colSpan={COLUMNS}>
            <ErrorAlert error={error} />
            {isContradiction(error) && pending && (
              <button type="button" className="btn btn-small btn-danger" onClick={() => onAction('override')} data-action="override">
                {t('review.overrideApprove')}
              </button>
            )}
          </td>
        </tr>
      ) : null}
      {expanded && (
        <tr className="cand-sub" data-history-for={c.id}>
          <td colSpan={COLUMNS}>
            <CandidateHistory candidateId={c.id} version={c.rowVersion} />
          </td>
        </tr>
      )}
    </>
  );
}

/** A 409 because an approved relation states the opposite certainty (not because someone decided first). */
export function isContradiction(error: unknown): boolean {
  const e = error as { status?: number; details?: Record<string, unknown> } | null;
  return e?.status === 409 && typeof e.details?.relationId === 'string';
}

function SideCell({ c, side, onResolve }: { c: Candidate; side: Side; onResolve: (side: Side) => void }) {
  const { t } = useI18n();
  const s = c[side];
  if (!s.entityId) {
    return (
      <span className="entity unresolved" data-side={side} data-unresolved="true">
        <span className="entity-text">{s.text}</span>
        <Badge tone="amber">{t('review.unresolved')}</Badge>
        {s.guessedType && (
          <span className="small muted entity-guess" data-guessed-type={s.guessedType} title={t('review.guessHint')}>
            {t('review.guess', { type: t(`entityType.${s.guessedType as EntityType}`) })}
          </span>
        )}
        {c.status === 'pending' && (
          <button
            type="button"
            className="btn-link small"
            onClick={(e) => {
              e.stopPropagation();
              onResolve(side);
            }}
            data-action="resolve"
          >
            {t('review.resolve')}
          </button>
        )}
      </span>
    );
  }
  const name = s.nameZh ?? s.text;
  return (
    <span className="entity" data-side={side} data-entity-id={s.entityId}>
      <TypeDot type={s.type} />
      <Link to={`/graph?entity=${encodeURIComponent(s.entityId)}`} className="entity-name" title={t('review.openGraph')} onClick={(e) => e.stopPropagation()}>
        {name}
      </Link>
      {s.text !== name && <span className="entity-surface muted">（{s.text}）</span>}
    </span>
  );
}

function ConflictMarkers({ c }: { c: Candidate }) {
  const { t } = useI18n();
  const { agreeing, contradicting, activeRelationId } = c.conflicts;
  // An approved relation has no single source; a pending candidate names its source.
  const where = (x: Candidate['conflicts']['contradicting'][number]) => (x.kind === 'relation' ? t('review.approvedRelation') : x.sourceTitle);
  return (
    <>
      {agreeing > 0 && (
        <Badge tone="green" title={t('review.agreeingTitle')}>
          <span data-marker="agreeing">{t('review.agreeing', { n: agreeing })}</span>
        </Badge>
      )}
      {contradicting.length > 0 && (
        <Badge tone="red" title={contradicting.map((x) => `${where(x)}: ${t(`certainty.${x.certainty}`)}`).join('\n')}>
          <span data-marker="contradicting">
            {t('review.contradicting', {
              list: contradicting.map((x) => `${t(`certainty.${x.certainty}`)}（${where(x)}）`).join('；'),
            })}
          </span>
        </Badge>
      )}
      {activeRelationId && (
        <Badge tone="blue" title={activeRelationId}>
          <span data-marker="active-relation">{t('review.activeRelation')}</span>
        </Badge>
      )}
    </>
  );
}

function Decision({ c }: { c: Candidate }) {
  const { t, dateTime } = useI18n();
  return (
    <div className="decision small">
      <span className={`status status-${c.status === 'approved' ? 'green' : 'red'}`}>
        <span className="status-dot" aria-hidden="true" />
        {t(`candStatus.${c.status}`)}
      </span>
      <div className="muted">
        {c.reviewedBy ?? t('common.none')} · {dateTime(c.reviewedAt)}
      </div>
      {c.reviewComment && <div className="decision-comment">“{c.reviewComment}”</div>}
    </div>
  );
}

/** Where the subject and object texts occur in the quote, to mark them. */
function mentionRanges(c: Candidate): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  for (const text of [c.subject.text, c.object.text]) {
    const at = text ? c.quote.indexOf(text) : -1;
    if (at >= 0) out.push({ start: at, end: at + text.length });
  }
  return out.sort((a, b) => a.start - b.start).filter((r, i, all) => i === 0 || r.start >= all[i - 1].end);
}
