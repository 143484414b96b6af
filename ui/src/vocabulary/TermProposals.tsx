import { useCallback, useEffect, useState } from 'react';
import type { Entity, EntityType } from '../api.ts';
import { ErrorAlert, Loading } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { EntityPicker } from '../kg/EntityPicker.tsx';
import { type TermProposal, vocabularyApi } from './api.ts';
import { EntityTypeOptions } from './EntityTypeOptions.tsx';
import { useVocabularyStrings } from './i18n.ts';

/**
 * New-term or synonym proposals from extraction, most frequent first: each with its guessed type (shown
 * as a guess), how often it was seen, and example quotes. A term becomes a new entity or an alias of one;
 * a synonym becomes an alias of the entity its term names (or a new entity with the alias).
 */
export function TermProposals({ kind }: { kind: 'term' | 'synonym' }) {
  const v = useVocabularyStrings();
  const [items, setItems] = useState<TermProposal[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [q, setQ] = useState('');
  const reload = useCallback(() => setTick((n) => n + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the reload trigger
  useEffect(() => {
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      vocabularyApi
        .terms({ kind, status: 'pending', limit: 100, q: q.trim() || undefined }, ctl.signal)
      .then((r) => {
        setItems(r.items);
        setTotal(r.total);
        setError(null);
      })
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e);
      });
    }, q ? 250 : 0);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [kind, tick, q]);

  if (error) return <ErrorAlert error={error} onRetry={reload} />;
  if (!items) return <Loading />;
  return (
    <div data-testid={`proposals-${kind}`} data-total={total}>
      <div className="term-filter">
        <input className="input" type="search" value={q} placeholder={v.t('terms.search')} onChange={(e) => setQ(e.target.value)} data-testid="term-search" />
        <span className="small muted">{v.t('terms.total', { n: total })}</span>
      </div>
      {notice && (
        <div className="alert alert-success" role="status" data-testid="term-notice">
          {notice}
        </div>
      )}
      {items.length === 0 ? (
        <p className="muted empty-row">{v.t('terms.empty')}</p>
      ) : (
        <ul className="term-list">
          {items.map((p) => (
            <ProposalItem
              key={p.id}
              p={p}
              onDone={(surface) => {
                setNotice(v.t('terms.done', { surface }));
                reload();
              }}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function ProposalItem({ p, onDone }: { p: TermProposal; onDone: (surface: string) => void }) {
  const { t } = useI18n();
  const v = useVocabularyStrings();
  const [type, setType] = useState<EntityType>((p.guessedType as EntityType | null) ?? 'Finding');
  const [picking, setPicking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onDone(p.surface);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  const alias = (entity: Entity | null) => entity && act(() => vocabularyApi.approveTerm(p.id, { action: 'alias', entityId: entity.id }));
  return (
    <li className="term-item card" data-proposal-id={p.id} data-surface={p.surface}>
      <div className="term-head">
        <strong className="term-surface">{p.surface}</strong>
        {p.kind === 'synonym' && p.target ? (
          <span className="small">{v.t('terms.synonymOf', { alias: p.surface, term: p.target.surface, cue: p.cue ?? '' })}</span>
        ) : (
          <span className="small muted" data-guess={p.guessedType ?? ''}>
            {p.guessedType ? v.t('terms.guess', { type: t(`entityType.${p.guessedType as EntityType}`) }) : v.t('terms.guessNone')}
          </span>
        )}
        <span className="small muted term-count">{v.t('terms.count', { n: p.count, s: p.sources })}</span>
      </div>
      {p.kind === 'synonym' && p.target && (
        <p className="small muted">{p.target.entityId ? v.t('terms.targetKnown', { name: p.target.nameZh ?? p.target.entityId }) : v.t('terms.targetUnknown')}</p>
      )}
      <ul className="term-examples small">
        {p.examples.map((x) => (
          // Keyed by the whole quote: rows of one table open alike, so a prefix repeats.
          <li key={`${x.sourceId}-${x.page ?? ''}-${x.quote}`}>
            「{x.quote.length > 120 ? `${x.quote.slice(0, 120)}…` : x.quote}」 <span className="muted">《{x.sourceTitle}》{x.page ? ` p.${x.page}` : ''}</span>
          </li>
        ))}
      </ul>
      <div className="term-actions">
        {p.kind === 'synonym' && p.target?.entityId ? (
          <button type="button" className="btn btn-primary btn-small" disabled={busy} onClick={() => act(() => vocabularyApi.approveTerm(p.id, { action: 'alias' }))} data-action="alias-target">
            {v.t('terms.addAlias')}
          </button>
        ) : (
          <>
            <label className="inline-field small">
              {v.t('terms.typeLabel')}
              <select className="input input-small" value={type} onChange={(e) => setType(e.target.value as EntityType)} data-testid="term-type">
                <EntityTypeOptions />
              </select>
            </label>
            <button type="button" className="btn btn-primary btn-small" disabled={busy} onClick={() => act(() => vocabularyApi.approveTerm(p.id, { action: 'create', type }))} data-action="create">
              {v.t('terms.create')}
            </button>
          </>
        )}
        {picking ? (
          <EntityPicker value={null} onChange={alias} placeholder={v.t('terms.pickEntity')} autoFocus testId="term-alias-picker" className="term-picker" />
        ) : (
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => setPicking(true)} data-action="alias">
            {v.t('terms.asAlias')}
          </button>
        )}
        <button type="button" className="btn btn-small btn-danger" disabled={busy} onClick={() => act(() => vocabularyApi.rejectTerm(p.id))} data-action="reject">
          {v.t('terms.reject')}
        </button>
      </div>
      {error ? <ErrorAlert error={error} /> : null}
    </li>
  );
}
