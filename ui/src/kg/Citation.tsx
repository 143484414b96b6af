import { Link } from 'react-router-dom';
import { Badge } from '../components.tsx';
import { useI18n } from '../i18n.ts';

export interface CitationProps {
  title: string;
  version: string | null;
  year: number | null;
  page: number | null;
  chunkId: string | null;
  superseded?: boolean;
  retracted?: boolean;
}

/** 《title》 version · year · page, linking to the passage viewer when the chunk is known. */
export function Citation({ title, version, year, page, chunkId, superseded, retracted }: CitationProps) {
  const { t } = useI18n();
  const parts = [version, year ? String(year) : null, page ? t('common.page', { n: page }) : null].filter(Boolean);
  const text = (
    <>
      <span className="citation-title">《{title}》</span>
      {parts.length > 0 && <span className="citation-meta">{parts.join(' · ')}</span>}
    </>
  );
  return (
    <span className="citation" data-testid="citation">
      {chunkId ? (
        <Link to={`/passage/${encodeURIComponent(chunkId)}`} className="citation-link" data-testid="citation-link">
          {text}
        </Link>
      ) : (
        text
      )}
      {superseded && <Badge tone="red">{t('badge.superseded')}</Badge>}
      {retracted && <Badge tone="red">{t('badge.retracted')}</Badge>}
    </span>
  );
}
