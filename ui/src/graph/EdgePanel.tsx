import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api, type RelationDetailDto } from '../api.ts';
import { Badge, ErrorAlert, Loading } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { CertaintyBadge, PredicateArrow, TypeDot } from '../kg/badges.tsx';
import { Citation } from '../kg/Citation.tsx';
import { HistoryList } from '../review/CandidateHistory.tsx';

/** A relation with its evidence (source, version, year, page, quote), history, and the retire action. */
export function EdgePanel({ id, onRetired }: { id: string; onRetired: (id: string) => void }) {
  const { t, td } = useI18n();
  const [r, setR] = useState<RelationDetailDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(
    (signal?: AbortSignal) => {
      setError(null);
      api
        .relation(id, signal)
        .then(setR)
        .catch((e) => {
          if (!signal?.aborted) setError(e);
        });
    },
    [id],
  );
  useEffect(() => {
    setR(null);
    const ctl = new AbortController();
    load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  if (error) return <ErrorAlert error={error} onRetry={() => load()} />;
  if (!r || r.id !== id) return <Loading />;
  const qualifiers = Object.entries(r.qualifiers);
  return (
    <div className="panel-body" data-testid="edge-panel" data-relation-id={r.id}>
      <h2 className="panel-title">{t('edge.title')}</h2>
      <div className="triple panel-triple">
        <span className="entity">
          <TypeDot type={r.subject.type} />
          {r.subject.nameZh}
        </span>
        <PredicateArrow predicate={r.predicate} />
        <span className="entity">
          <TypeDot type={r.object.type} />
          {r.object.nameZh}
        </span>
      </div>
      <div className="cell-sub markers">
        <CertaintyBadge certainty={r.certainty} />
        <Badge tone={r.status === 'active' ? 'green' : 'grey'}>
          <span data-relation-status={r.status}>{t(`edge.status.${r.status}`)}</span>
        </Badge>
        {r.demo && <Badge tone="amber">{t('badge.demo')}</Badge>}
        {r.stale && <Badge tone="red">{t('edge.stale')}</Badge>}
      </div>
      <dl className="meta panel-meta">
        <dt>{t('edge.confidence')}</dt>
        <dd>{r.confidence.toFixed(2)}</dd>
        <dt>{t('edge.version')}</dt>
        <dd>{r.version}</dd>
        {qualifiers.length > 0 && (
          <>
            <dt>{t('edge.qualifiers')}</dt>
            <dd data-testid="qualifiers">{qualifiers.map(([k, v]) => `${td(`qualifier.${k}`, k)}: ${v}`).join('；')}</dd>
          </>
        )}
        {r.retiredReason && (
          <>
            <dt>{t('edge.retiredReason')}</dt>
            <dd>{r.retiredReason}</dd>
          </>
        )}
      </dl>
      <h3 className="panel-heading">{t('edge.evidence', { n: r.evidence.length })}</h3>
      <ol className="evidence" data-testid="evidence">
        {r.evidence.map((ev) => (
          <li key={ev.candidateId} data-source-id={ev.sourceId}>
            <Citation title={ev.sourceTitle} version={ev.version} year={ev.year} page={ev.page} chunkId={ev.chunkId} superseded={ev.superseded} retracted={ev.retracted} />
            <blockquote className="quote">{ev.quote}</blockquote>
            <span className="muted small">
              {td(`extractor.${ev.extractor}`, ev.extractor)} · {ev.extractorVersion}
            </span>
          </li>
        ))}
      </ol>
      <h3 className="panel-heading">{t('edge.history')}</h3>
      <HistoryList items={r.history} />
      {r.status === 'active' && (
        <RetireForm
          id={r.id}
          onDone={() => {
            load();
            onRetired(r.id);
          }}
        />
      )}
    </div>
  );
}

function RetireForm({ id, onDone }: { id: string; onDone: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.retireRelation(id, reason.trim());
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="retire" onSubmit={submit} data-testid="retire-form">
      <h3 className="panel-heading">{t('edge.retire')}</h3>
      <input
        type="text"
        className="input"
        value={reason}
        maxLength={500}
        placeholder={t('edge.retirePlaceholder')}
        aria-label={t('edge.retireReason')}
        onChange={(e) => setReason(e.target.value)}
        data-testid="retire-reason"
      />
      <button type="submit" className="btn btn-small btn-danger" disabled={busy || !reason.trim()} data-testid="retire-submit">
        {t('edge.retire')}
      </button>
      {error ? <ErrorAlert error={error} /> : null}
    </form>
  );
}
