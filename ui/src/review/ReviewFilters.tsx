import { useEffect, useState } from 'react';
import type { SourceDto } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { EntityPicker } from '../kg/EntityPicker.tsx';
import { PREDICATES } from '../kg/vocab.ts';
import { CONFIDENCE_STEPS, EXTRACTORS, hasFilter, type ReviewQuery } from './query.ts';

/** Source, predicate, entity, extractor, confidence, free text and the two toggles; every change resets paging. */
export function ReviewFilters({ query, sources, onChange }: { query: ReviewQuery; sources: SourceDto[]; onChange: (patch: Partial<ReviewQuery>) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(query.q ?? '');
  useEffect(() => setText(query.q ?? ''), [query.q]);
  const set = (patch: Partial<ReviewQuery>) => onChange({ ...patch, offset: 0 });
  const applyText = () => {
    if ((query.q ?? '') !== text.trim()) set({ q: text.trim() || undefined });
  };
  return (
    <fieldset className="plain review-filters" data-testid="review-filters">
      <legend className="sr-only">{t('review.filters')}</legend>
      <label className="field rf-source">
        <span>{t('review.source')}</span>
        <select className="input" value={query.sourceId ?? ''} onChange={(e) => set({ sourceId: e.target.value || undefined })} data-filter="source">
          <option value="">{t('review.allSources')}</option>
          {sources.map((s) => (
            <option key={s.id} value={s.id}>
              {s.title}
              {s.version ? ` (${s.version})` : ''}
            </option>
          ))}
        </select>
      </label>
      <label className="field rf-predicate">
        <span>{t('review.predicate')}</span>
        <select
          className="input"
          value={query.predicate ?? ''}
          onChange={(e) => set({ predicate: (e.target.value || undefined) as ReviewQuery['predicate'] })}
          data-filter="predicate"
        >
          <option value="">{t('review.allPredicates')}</option>
          {PREDICATES.map((p) => (
            <option key={p} value={p}>
              {t(`predicate.${p}`)}
            </option>
          ))}
        </select>
      </label>
      <div className="field rf-entity">
        <label htmlFor="rf-entity">{t('review.entity')}</label>
        <EntityPicker
          id="rf-entity"
          testId="filter-entity"
          value={query.entityId ? { id: query.entityId, nameZh: query.entityName ?? query.entityId } : null}
          onChange={(e) => set({ entityId: e?.id, entityName: e?.nameZh })}
        />
      </div>
      <label className="field rf-extractor">
        <span>{t('review.extractor')}</span>
        <select
          className="input"
          value={query.extractor ?? ''}
          onChange={(e) => set({ extractor: (e.target.value || undefined) as ReviewQuery['extractor'] })}
          data-filter="extractor"
        >
          <option value="">{t('review.allExtractors')}</option>
          {EXTRACTORS.map((x) => (
            <option key={x} value={x}>
              {t(`extractor.${x}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="field rf-confidence">
        <span>{t('review.minConfidence')}</span>
        <select
          className="input"
          value={query.minConfidence ?? ''}
          onChange={(e) => set({ minConfidence: e.target.value ? Number(e.target.value) : undefined })}
          data-filter="minConfidence"
        >
          <option value="">{t('review.anyConfidence')}</option>
          {CONFIDENCE_STEPS.map((c) => (
            <option key={c} value={c}>
              ≥ {c.toFixed(1)}
            </option>
          ))}
        </select>
      </label>
      <form
        className="field rf-text"
        onSubmit={(e) => {
          e.preventDefault();
          applyText();
        }}
      >
        <label htmlFor="rf-q">{t('review.q')}</label>
        <input
          id="rf-q"
          type="search"
          className="input"
          value={text}
          placeholder={t('review.qPlaceholder')}
          maxLength={200}
          onChange={(e) => setText(e.target.value)}
          onBlur={applyText}
          data-filter="q"
        />
      </form>
      <div className="rf-toggles">
        <label className="check">
          <input type="checkbox" checked={!!query.conflict} onChange={(e) => set({ conflict: e.target.checked || undefined })} data-filter="conflict" />
          {t('review.conflictOnly')}
        </label>
        <label className="check">
          <input type="checkbox" checked={!!query.unresolved} onChange={(e) => set({ unresolved: e.target.checked || undefined })} data-filter="unresolved" />
          {t('review.unresolvedOnly')}
        </label>
        <label className="check" title={t('review.newLiteratureHint')}>
          <input type="checkbox" checked={!!query.newSince} onChange={(e) => set({ newSince: e.target.checked || undefined })} data-filter="new-literature" />
          {t('review.newLiterature')}
        </label>
        {query.tag && <span className="badge badge-purple" data-testid="tag-filter">{query.tag}</span>}
        {hasFilter(query) && (
          <button
            type="button"
            className="btn btn-small btn-link"
            onClick={() =>
              set({
                sourceId: undefined,
                predicate: undefined,
                entityId: undefined,
                entityName: undefined,
                extractor: undefined,
                minConfidence: undefined,
                q: undefined,
                conflict: undefined,
                unresolved: undefined,
                tag: undefined,
                newSince: undefined,
              })
            }
            data-testid="clear-filters"
          >
            {t('review.clearFilters')}
          </button>
        )}
      </div>
    </fieldset>
  );
}
