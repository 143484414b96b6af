import { useEffect, useState } from 'react';
import { api, type Candidate, type Entity, type ResolutionSuggestion } from '../api.ts';
import { ErrorAlert, Loading } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { TypeBadge } from '../kg/badges.tsx';
import { Dialog } from '../kg/Dialog.tsx';
import type { EntityBrief } from '../kg/EntityPicker.tsx';
import { EntityPicker } from '../kg/EntityPicker.tsx';
import type { Side } from './CandidateRow.tsx';

export interface ResolveTarget {
  candidate: Candidate;
  side: Side;
}

/**
 * Link an unresolved mention: the server's suggestions (exact, fuzzy, embedding) or any entity found
 * by autocomplete. "Use" continues to edit-then-approve with that entity; "make alias" merges the
 * written form into the entity, which resolves every candidate with the same text.
 */
export function ResolveDialog({
  target,
  onClose,
  onUse,
  onAliased,
}: {
  target: ResolveTarget | null;
  onClose: () => void;
  onUse: (target: ResolveTarget, entity: EntityBrief) => void;
  onAliased: (text: string, entity: EntityBrief) => void;
}) {
  const { t } = useI18n();
  const text = target ? target.candidate[target.side].text : '';
  return (
    <Dialog open={target !== null} title={t('resolve.title', { text })} onClose={onClose} testId="resolve-dialog" wide>
      {target && <ResolveBody target={target} onUse={onUse} onAliased={onAliased} />}
    </Dialog>
  );
}

function ResolveBody({ target, onUse, onAliased }: { target: ResolveTarget; onUse: (t: ResolveTarget, e: EntityBrief) => void; onAliased: (text: string, e: EntityBrief) => void }) {
  const { t } = useI18n();
  const text = target.candidate[target.side].text;
  const [items, setItems] = useState<ResolutionSuggestion[] | null>(null);
  const [other, setOther] = useState<Entity | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const ctl = new AbortController();
    api
      .resolve({ text }, ctl.signal)
      .then((r) => setItems(r.items))
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e);
      });
    return () => ctl.abort();
  }, [text]);

  const alias = async (e: EntityBrief) => {
    setBusy(true);
    setError(null);
    try {
      await api.merge({ fromSurface: text, intoId: e.id, comment: `review ${target.candidate.id}` });
      onAliased(text, e);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const actions = (e: EntityBrief) => (
    <span className="resolve-actions">
      <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => onUse(target, e)} data-action="use">
        {t('resolve.use')}
      </button>
      <button type="button" className="btn btn-small" disabled={busy} onClick={() => alias(e)} data-action="alias">
        {t('resolve.alias')}
      </button>
    </span>
  );

  return (
    <div className="resolve">
      <blockquote className="quote">{target.candidate.quote}</blockquote>
      <h3 className="resolve-heading">{t('resolve.suggestions')}</h3>
      {!items && !error && <Loading />}
      {items && items.length === 0 && <p className="muted small">{t('resolve.none')}</p>}
      {items && items.length > 0 && (
        <ul className="resolve-list" data-testid="resolve-suggestions">
          {items.map((s) => (
            <li key={s.entityId} data-entity-id={s.entityId}>
              <span className="resolve-name">{s.nameZh}</span>
              <TypeBadge type={s.type} />
              {s.matched !== s.nameZh && <span className="muted small">= {s.matched}</span>}
              <span className="muted small resolve-score">
                {t(`resolve.method.${s.method}`)} · {t('resolve.score', { n: s.score.toFixed(2) })}
              </span>
              {actions({ id: s.entityId, nameZh: s.nameZh, type: s.type })}
            </li>
          ))}
        </ul>
      )}
      <h3 className="resolve-heading">{t('resolve.search')}</h3>
      <div className="resolve-other">
        <EntityPicker value={other} onChange={setOther} testId="resolve-picker" />
        {other && actions(other)}
      </div>
      {error ? <ErrorAlert error={error} /> : null}
    </div>
  );
}
