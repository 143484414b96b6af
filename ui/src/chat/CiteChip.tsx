import { Link } from 'react-router-dom';
import type { ChatCitation } from '../api.ts';
import { useI18n } from '../i18n.ts';

/** Where a passage citation leads: the passage viewer (the page in the URL for context), else the source. */
export function passageHref(c: ChatCitation): string | null {
  if (c.kind !== 'chunk') return null;
  if (c.chunkId) return `/passage/${encodeURIComponent(c.chunkId)}${c.page ? `?page=${c.page}` : ''}`;
  return c.sourceId ? `/sources/${encodeURIComponent(c.sourceId)}` : null;
}

/** The hover text of a citation: 《title》 version · year · page, or the triple. */
export function citationLabel(c: ChatCitation, page: (n: number) => string): string {
  if (c.kind === 'relation' && c.triple) return `${c.triple.subject} — ${c.triple.predicate} → ${c.triple.object}`;
  const parts = [c.version, c.year ? String(c.year) : null, c.page ? page(c.page) : null].filter(Boolean);
  return `《${c.title ?? c.sourceId ?? '?'}》${parts.length ? ` ${parts.join(' · ')}` : ''}`;
}

/**
 * An inline marker [n] as a small chip: a passage opens in the passage viewer, an approved relation in
 * a dialog. A number the evidence does not contain stays plain text, visibly not a link.
 */
export function CiteChip({ n, citation, onRelation }: { n: number; citation: ChatCitation | undefined; onRelation: (c: ChatCitation) => void }) {
  const { t } = useI18n();
  if (!citation) return <span className="cite-chip cite-chip-missing">{n}</span>;
  const label = citationLabel(citation, (p) => t('common.page', { n: p }));
  const flagged = citation.superseded || citation.retracted;
  const cls = `cite-chip${citation.kind === 'relation' ? ' cite-chip-relation' : ''}${flagged ? ' cite-chip-flagged' : ''}`;
  const href = passageHref(citation);
  if (href)
    return (
      <Link to={href} className={cls} title={label} aria-label={`${t('chat.cite', { n })}: ${label}`} data-testid="cite-chip" data-n={n} data-kind="chunk">
        {n}
      </Link>
    );
  if (citation.kind !== 'relation')
    return (
      <span className={cls} title={label} data-testid="cite-chip" data-n={n} data-kind={citation.kind}>
        {n}
      </span>
    );
  return (
    <button
      type="button"
      className={cls}
      title={label}
      aria-label={`${t('chat.cite', { n })}: ${label}`}
      onClick={() => onRelation(citation)}
      data-testid="cite-chip"
      data-n={n}
      data-kind={citation.kind}
    >
      {n}
    </button>
  );
}
