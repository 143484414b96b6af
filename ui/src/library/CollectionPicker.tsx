import type { CollectionDto } from './collections.ts';
import { useLibT } from './i18n.ts';

/**
 * Which collections (knowledge bases) to search or ask within: 「全部」 (every collection the user may see) or any
 * set of them. Shown only when there is more than one to choose from.
 */
export function CollectionPicker({ collections, chosen, onChange, testId = 'collection-picker' }: {
  collections: CollectionDto[] | null;
  chosen: string[];
  onChange: (ids: string[]) => void;
  testId?: string;
}) {
  const { t } = useLibT();
  if (!collections || collections.length < 2) return null;
  const toggle = (id: string) => onChange(chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id]);
  return (
    <fieldset className="plain chips collection-picker" data-testid={testId}>
      <legend className="filter-label legend-inline">{t('collections.pick')}</legend>
      <button type="button" className={`chip${chosen.length === 0 ? ' active' : ''}`} aria-pressed={chosen.length === 0} onClick={() => onChange([])} data-collection="">
        {t('collections.all')}
      </button>
      {collections.map((c) => (
        <button
          key={c.id}
          type="button"
          className={`chip${chosen.includes(c.id) ? ' active' : ''}`}
          aria-pressed={chosen.includes(c.id)}
          onClick={() => toggle(c.id)}
          title={c.description || undefined}
          data-collection={c.name}
        >
          {c.name} <span className="chip-count">{c.sourceCount}</span>
        </button>
      ))}
    </fieldset>
  );
}
