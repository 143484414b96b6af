import { useEffect, useState } from 'react';
import { api, type HistoryEntry } from '../api.ts';
import { ErrorAlert, Loading } from '../components.tsx';
import { useI18n } from '../i18n.ts';

/** The review history of one candidate (GET /api/kg/candidates/:id), newest last. */
export function CandidateHistory({ candidateId, version }: { candidateId: string; version: number }) {
  const [items, setItems] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  // `version` changes after every decision, so an open history refreshes itself.
  // biome-ignore lint/correctness/useExhaustiveDependencies: version is a refresh trigger
  useEffect(() => {
    const ctl = new AbortController();
    api
      .candidate(candidateId, ctl.signal)
      .then((c) => setItems(c.history))
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e);
      });
    return () => ctl.abort();
  }, [candidateId, version]);
  if (error) return <ErrorAlert error={error} />;
  if (!items) return <Loading />;
  return <HistoryList items={items} />;
}

export function HistoryList({ items }: { items: HistoryEntry[] }) {
  const { t, td, dateTime } = useI18n();
  if (items.length === 0) return <p className="muted small history-empty">{t('review.historyEmpty')}</p>;
  return (
    <ol className="history" data-testid="history">
      {items.map((h) => (
        <li key={h.id} data-action={h.action}>
          <span className="history-time muted">{dateTime(h.at)}</span>
          <b className="history-action">{td(`history.${h.action}`, h.action)}</b>
          <span className="history-actor">{h.actor}</span>
          {h.comment && <span className="history-comment">“{h.comment}”</span>}
        </li>
      ))}
    </ol>
  );
}
