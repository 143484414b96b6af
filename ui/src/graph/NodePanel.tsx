import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type EntityDetailDto, type ResolutionSuggestion } from '../api.ts';
import { ErrorAlert, Loading } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { TypeBadge } from '../kg/badges.tsx';

/** An entity: names, aliases, codes (ICD-10), and similar entities that can be merged into it. */
export function NodePanel({ id, onExpand, onChanged }: { id: string; onExpand: (id: string) => void; onChanged: (message: string) => void }) {
  const { t } = useI18n();
  const [e, setE] = useState<EntityDetailDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(
    (signal?: AbortSignal) => {
      setError(null);
      api
        .entity(id, signal)
        .then(setE)
        .catch((err) => {
          if (!signal?.aborted) setError(err);
        });
    },
    [id],
  );
  useEffect(() => {
    setE(null);
    const ctl = new AbortController();
    load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  if (error) return <ErrorAlert error={error} onRetry={() => load()} />;
  if (!e || e.id !== id) return <Loading />;
  const codes = Object.entries(e.codes);
  const reviewHref = `/review?${new URLSearchParams({ entity: e.id, entityName: e.nameZh, status: 'approved' })}`;
  return (
    <div className="panel-body" data-testid="node-panel" data-entity-id={e.id}>
      <h2 className="panel-title">{e.nameZh}</h2>
      {e.nameEn && <div className="panel-subtitle muted">{e.nameEn}</div>}
      <div className="cell-sub markers">
        <TypeBadge type={e.type} />
        <code className="muted">{e.id}</code>
      </div>
      <dl className="meta panel-meta">
        <dt>{t('node.aliases')}</dt>
        <dd data-testid="aliases">{e.aliases.length ? e.aliases.join('、') : t('common.none')}</dd>
        <dt>{t('node.codes')}</dt>
        <dd data-testid="codes">{codes.length ? codes.map(([k, v]) => `${k}: ${v}`).join('；') : t('common.none')}</dd>
        {e.definition && (
          <>
            <dt>{t('node.definition')}</dt>
            <dd>{e.definition}</dd>
          </>
        )}
      </dl>
      <div className="panel-actions">
        <button type="button" className="btn btn-small" onClick={() => onExpand(e.id)} data-testid="expand-node">
          {t('graph.expand')}
        </button>
        <Link to={reviewHref} className="btn btn-small">
          {t('node.reviewLink')}
        </Link>
      </div>
      <h3 className="panel-heading">{t('node.similar')}</h3>
      {e.similar.length === 0 ? (
        <p className="muted small">{t('node.noSimilar')}</p>
      ) : (
        <ul className="similar" data-testid="similar">
          {e.similar.map((s) => (
            <SimilarItem
              key={s.entityId}
              s={s}
              into={e}
              onMerged={() => {
                load();
                onChanged(t('node.merged', { from: s.nameZh, into: e.nameZh }));
              }}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

function SimilarItem({ s, into, onMerged }: { s: ResolutionSuggestion; into: EntityDetailDto; onMerged: () => void }) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const merge = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.merge({ fromId: s.entityId, intoId: into.id });
      onMerged();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <li data-entity-id={s.entityId}>
      <div className="similar-head">
        <span className="similar-name">{s.nameZh}</span>
        <span className="muted small" data-basis={s.basis} title={t('node.similarHint')}>
          {t(`resolve.method.${s.method}`)} · {s.score.toFixed(2)}
        </span>
        {!confirming && (
          <button type="button" className="btn btn-small" onClick={() => setConfirming(true)} data-action="merge">
            {t('node.mergeHere')}
          </button>
        )}
      </div>
      {confirming && (
        <div className="similar-confirm">
          <span className="small">{t('node.mergeConfirm', { from: s.nameZh, into: into.nameZh })}</span>
          <button type="button" className="btn btn-small btn-danger" disabled={busy} onClick={merge} data-action="merge-confirm">
            {t('review.confirm')}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setConfirming(false)}>
            {t('review.cancel')}
          </button>
        </div>
      )}
      {error ? <ErrorAlert error={error} /> : null}
    </li>
  );
}
