import type { EntityType, Predicate, SourceDto } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { ENTITY_TYPES, PREDICATES, TYPE_COLOURS } from '../kg/vocab.ts';

export interface GraphFilterState {
  predicates: ReadonlySet<Predicate>;
  types: ReadonlySet<EntityType>;
  source: string;
}

export const ALL_FILTERS: GraphFilterState = { predicates: new Set(PREDICATES), types: new Set(ENTITY_TYPES), source: '' };

function toggled<T>(set: ReadonlySet<T>, v: T, on: boolean): Set<T> {
  const next = new Set(set);
  if (on) next.add(v);
  else next.delete(v);
  return next;
}

/**
 * Predicate and entity-type checkboxes (the type row is also the colour legend, with counts) and a
 * source filter; all are sent to the server as query parameters.
 */
export function GraphFilters({
  value,
  sources,
  byType,
  onChange,
}: {
  value: GraphFilterState;
  sources: SourceDto[];
  byType: Record<string, number>;
  onChange: (v: GraphFilterState) => void;
}) {
  const { t, number } = useI18n();
  return (
    <div className="graph-filters" data-testid="graph-filters">
      <fieldset className="plain filter-row">
        <legend className="filter-label">{t('graph.predicates')}</legend>
        <div className="chips">
          {PREDICATES.map((p) => (
            <label key={p} className={`chip chip-check${value.predicates.has(p) ? ' active' : ''}`}>
              <input
                type="checkbox"
                checked={value.predicates.has(p)}
                onChange={(e) => onChange({ ...value, predicates: toggled(value.predicates, p, e.target.checked) })}
                data-filter-predicate={p}
              />
              {t(`predicate.${p}`)}
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset className="plain filter-row">
        <legend className="filter-label">{t('graph.types')}</legend>
        <div className="chips" data-testid="legend">
          {ENTITY_TYPES.map((type) => (
            <label key={type} className={`chip chip-check${value.types.has(type) ? ' active' : ''}`}>
              <input
                type="checkbox"
                checked={value.types.has(type)}
                onChange={(e) => onChange({ ...value, types: toggled(value.types, type, e.target.checked) })}
                data-filter-type={type}
              />
              <span className="type-dot" style={{ background: TYPE_COLOURS[type] }} aria-hidden="true" />
              {t(`entityType.${type}`)}
              {byType[type] ? <span className="chip-count">{number(byType[type])}</span> : null}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="filter-row filter-row-last">
        <label className="filter-source">
          <span className="filter-label">{t('graph.source')}</span>
          <select className="input" value={value.source} onChange={(e) => onChange({ ...value, source: e.target.value })} data-filter="source">
            <option value="">{t('graph.allSources')}</option>
            {sources.map((s) => (
              <option key={s.id} value={s.id}>
                {s.title}
                {s.version ? ` (${s.version})` : ''}
              </option>
            ))}
          </select>
        </label>
        <EdgeLegend />
      </div>
    </div>
  );
}

/** How certainty shows on edges. */
function EdgeLegend() {
  const { t } = useI18n();
  return (
    <div className="edge-legend">
      <span className="sr-only">{t('graph.edgeLegend')}</span>
      <span className="edge-sample">
        <svg width="34" height="10" aria-hidden="true">
          <line x1="0" y1="5" x2="34" y2="5" stroke="#94a3b8" strokeWidth="2" />
        </svg>
        {t('certainty.present')}
      </span>
      <span className="edge-sample">
        <svg width="34" height="10" aria-hidden="true">
          <line x1="0" y1="5" x2="34" y2="5" stroke="#94a3b8" strokeWidth="2" strokeDasharray="6 4" />
        </svg>
        {t('certainty.possible')}
      </span>
      <span className="edge-sample">
        <svg width="34" height="10" aria-hidden="true">
          <line x1="0" y1="5" x2="34" y2="5" stroke="#e0605a" strokeWidth="2" />
        </svg>
        {t('certainty.absent')}
      </span>
    </div>
  );
}
