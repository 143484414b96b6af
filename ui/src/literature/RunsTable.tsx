import { Link } from 'react-router-dom';
import type { Run, Watch } from './api.ts';
import { useLitT } from './i18n.ts';
import { RunStatusBadge } from './RunStatus.tsx';

/** Run history with the counts a curator compares month to month; each run links to its candidates. */
export function RunsTable({ runs, watches }: { runs: readonly Run[]; watches: readonly Watch[] }) {
  const { t, dateTime, number } = useLitT();
  const names = new Map(watches.map((w) => [w.id, w.name]));
  if (!runs.length) return <p className="empty-row muted">{t('noRuns')}</p>;
  return (
    <div className="table-wrap">
      <table className="table runs-table" data-testid="runs-table">
        <thead>
          <tr>
            <th>{t('col.started')}</th>
            <th>{t('col.watch')}</th>
            <th>{t('col.trigger')}</th>
            <th>{t('col.status')}</th>
            <th>{t('col.window')}</th>
            <th className="num">{t('col.fetched')}</th>
            <th className="num">{t('col.new')}</th>
            <th className="num">{t('col.updated')}</th>
            <th className="num">{t('col.retracted')}</th>
            <th className="num">{t('col.triples')}</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-run={r.id} data-status={r.status}>
              <td className="nowrap">{dateTime(r.startedAt)}</td>
              <td>{r.watchId ? names.get(r.watchId) ?? r.watchId : <span className="mono small">{r.term}</span>}</td>
              <td>{t(`trigger.${r.trigger}`)}</td>
              <td>
                <RunStatusBadge status={r.status} />
                {r.error && <div className="watch-error small" title={r.error.code}>{r.error.message}</div>}
              </td>
              <td className="nowrap small">{r.minDate ? `${r.minDate} → ${r.maxDate}` : '—'}</td>
              <td className="num">{number(r.fetched)}{r.total !== null && r.total !== r.fetched ? <span className="muted">/{number(r.total)}</span> : null}</td>
              <td className="num" data-col="new">{number(r.newRecords)}</td>
              <td className="num">{number(r.updated)}</td>
              <td className="num">{number(r.retracted)}</td>
              <td className="num">
                <Link to={`/review?tag=${encodeURIComponent(`pubmed_run:${r.id}`)}`} data-testid="run-triples">{number(r.triplesProposed)}</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
