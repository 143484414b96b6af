import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { ApiError, api, type ChatCitation, type RelationDetailDto } from '../api.ts';
import { Badge, ErrorAlert, Loading } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { CertaintyBadge, PredicateArrow, TypeDot } from '../kg/badges.tsx';
import { Citation } from '../kg/Citation.tsx';
import { Dialog } from '../kg/Dialog.tsx';

/** An approved relation an answer cites: the triple at once, then its certainty and evidence from the graph. */
export function RelationDialog({ citation, onClose }: { citation: ChatCitation | null; onClose: () => void }) {
  const { t, td } = useI18n();
  const id = citation?.relationId ?? null;
  const [detail, setDetail] = useState<RelationDetailDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setDetail(null);
    setError(null);
    if (!id) return;
    const ctl = new AbortController();
    api
      .relation(id, ctl.signal)
      .then(setDetail)
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e);
      });
    return () => ctl.abort();
  }, [id]);

  return (
    <Dialog open={citation !== null} title={`[${citation?.n ?? ''}] ${t('chat.relationTitle')}`} onClose={onClose} testId="relation-dialog">
      {citation && (
        <div className="relation-cite" data-relation-id={id ?? ''}>
          {detail ? (
            <div className="triple panel-triple">
              <span className="entity">
                <TypeDot type={detail.subject.type} />
                {detail.subject.nameZh}
              </span>
              <PredicateArrow predicate={detail.predicate} />
              <span className="entity">
                <TypeDot type={detail.object.type} />
                {detail.object.nameZh}
              </span>
            </div>
          ) : (
            citation.triple && (
              <div className="triple panel-triple" data-testid="relation-triple">
                <span className="entity">{citation.triple.subject}</span>
                <span className="pred-arrow">
                  <span className="pred-label">—{td(`predicate.${citation.triple.predicate}`, citation.triple.predicate)}→</span>
                </span>
                <span className="entity">{citation.triple.object}</span>
              </div>
            )
          )}
          <div className="cell-sub markers">
            <Badge tone="purple">{t('chat.relation')}</Badge>
            {detail && <CertaintyBadge certainty={detail.certainty} />}
            {(citation.superseded || detail?.stale) && <Badge tone="red">{t('edge.stale')}</Badge>}
            {(citation.retracted || detail?.retracted) && <Badge tone="red">{t('chat.retracted')}</Badge>}
          </div>
          {error instanceof ApiError && error.status === 404 ? (
            <p className="notice" data-testid="relation-gone">
              {t('chat.relationGone')}
            </p>
          ) : error ? (
            <ErrorAlert error={error} />
          ) : null}
          {!detail && !error && id && <Loading />}
          {detail && (
            <>
              <h3 className="panel-heading">
                {t('chat.evidence')}（{detail.evidence.length}）
              </h3>
              <ol className="evidence">
                {detail.evidence.map((ev) => (
                  <li key={ev.candidateId}>
                    <Citation title={ev.sourceTitle} version={ev.version} year={ev.year} page={ev.page} chunkId={ev.chunkId} superseded={ev.superseded} />
                    <blockquote className="quote">{ev.quote}</blockquote>
                  </li>
                ))}
              </ol>
              <Link to={`/graph?entity=${encodeURIComponent(detail.subject.id)}`} className="btn btn-block" data-testid="open-graph">
                {t('chat.openGraph')} →
              </Link>
            </>
          )}
        </div>
      )}
    </Dialog>
  );
}
