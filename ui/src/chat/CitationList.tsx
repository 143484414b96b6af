import { Link } from 'react-router-dom';
import type { ChatCitation } from '../api.ts';
import { Badge } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { passageHref } from './CiteChip.tsx';

/** The numbered sources under an answer: title, version/year, page, quote; superseded and retracted flagged. */
export function CitationList({ citations, numberOf, onRelation }: { citations: readonly ChatCitation[]; numberOf: (n: number) => number; onRelation: (c: ChatCitation) => void }) {
  const { t, td } = useI18n();
  if (citations.length === 0) return null;
  return (
    <section className="cite-list" aria-label={t('chat.citations', { n: citations.length })}>
      <h3 className="cite-list-title">{t('chat.citations', { n: citations.length })}</h3>
      <ol className="cite-items" data-testid="citations">
        {citations.map((c) => {
          const href = passageHref(c);
          const meta = [c.version, c.year ? String(c.year) : null, c.page ? t('common.page', { n: c.page }) : null].filter(Boolean);
          return (
            <li key={c.n} className="cite-item" data-testid="citation-item" data-n={numberOf(c.n)} data-kind={c.kind}>
              <span className="cite-num" aria-hidden="true">
                {numberOf(c.n)}
              </span>
              <div className="cite-body">
                {c.kind === 'relation' && c.triple ? (
                  <div className="cite-head">
                    <button type="button" className="link-button cite-triple" onClick={() => onRelation(c)} data-testid="citation-relation">
                      {c.triple.subject}
                      <span className="cite-pred"> —{td(`predicate.${c.triple.predicate}`, c.triple.predicate)}→ </span>
                      {c.triple.object}
                    </button>
                    <Badge tone="purple">{t('chat.relation')}</Badge>
                    {c.title && (
                      <span className="cite-meta">
                        {c.chunkId ? <Link to={`/passage/${encodeURIComponent(c.chunkId)}`}>《{c.title}》</Link> : `《${c.title}》`}
                        {meta.length > 0 && ` ${meta.join(' · ')}`}
                      </span>
                    )}
                  </div>
                ) : (
                  <div className="cite-head">
                    {href ? (
                      <Link to={href} className="cite-title" data-testid="citation-link">
                        《{c.title ?? c.sourceId}》
                      </Link>
                    ) : (
                      <span className="cite-title">《{c.title ?? c.sourceId}》</span>
                    )}
                    {meta.length > 0 && <span className="cite-meta">{meta.join(' · ')}</span>}
                  </div>
                )}
                {(c.superseded || c.retracted) && (
                  <div className="cite-flags">
                    {c.superseded && (
                      <Badge tone="red">
                        <span data-flag="superseded">{t('badge.superseded')}</span>
                      </Badge>
                    )}
                    {c.retracted && (
                      <Badge tone="red">
                        <span data-flag="retracted">{t('chat.retracted')}</span>
                      </Badge>
                    )}
                  </div>
                )}
                {c.quote && <p className="cite-quote">{c.quote}</p>}
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
