import { useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { EVIDENCE_LEVEL_LABELS } from '../../../ingest/evidence-level-names.ts';
import { Badge, ErrorAlert, Loading, useInterval, useTitle } from '../components.tsx';
import { importPubmedXml, type LiteratureRecord, type LiteratureStatus, literatureApi, type Run, type Watch, type WatchDraft } from '../literature/api.ts';
import { useLitT } from '../literature/i18n.ts';
import { RunsChart } from '../literature/RunsChart.tsx';
import { RunsTable } from '../literature/RunsTable.tsx';
import { WatchCard } from '../literature/WatchCard.tsx';
import { WatchForm } from '../literature/WatchForm.tsx';
import '../literature/literature.css';

const REFRESH_MS = 3000;

/** Literature watch: PubMed watches, run now, run history with counts and a chart, manual XML import. */
export function WatchesPage() {
  const { t } = useLitT();
  useTitle(t('title'));
  const [status, setStatus] = useState<LiteratureStatus | null>(null);
  const [watches, setWatches] = useState<Watch[] | null>(null);
  const [runs, setRuns] = useState<Run[]>([]);
  const [records, setRecords] = useState<LiteratureRecord[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<Watch | 'new' | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = () => setTick((n) => n + 1);

  useInterval(
    async (signal) => {
      try {
        const [s, w, r, rec] = await Promise.all([
          status ? Promise.resolve(status) : literatureApi.status(signal),
          literatureApi.watches(signal),
          literatureApi.runs({ limit: 50 }, signal),
          literatureApi.records({ limit: 8 }, signal),
        ]);
        setStatus(s);
        setWatches(w.items);
        setRuns(r.items);
        setRecords(rec.items);
        setError(null);
      } catch (e) {
        if (!signal.aborted) setError(e);
      }
    },
    REFRESH_MS,
    [tick],
  );

  const save = async (draft: WatchDraft) => {
    if (editing && editing !== 'new') await literatureApi.update(editing.id, draft);
    else await literatureApi.create(draft);
    setEditing(null);
    refresh();
  };

  return (
    <section className="page literature-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('title')}</h1>
        <div className="page-actions">
          <ImportButton onDone={refresh} />
          <button type="button" className="btn btn-primary" onClick={() => setEditing('new')} data-testid="new-watch">
            {t('newWatch')}
          </button>
        </div>
      </div>
      <p className="muted lead">{t('lead')}</p>
      {status && <StatusStrip status={status} />}
      {error ? <ErrorAlert error={error} onRetry={refresh} /> : null}
      {editing && <WatchForm key={editing === 'new' ? 'new' : editing.id} initial={editing === 'new' ? undefined : editing} onSave={save} onCancel={() => setEditing(null)} />}
      {!watches && !error && <Loading />}
      {watches && watches.length === 0 && !editing && <p className="card empty-row muted">{t('empty')}</p>}
      <div className="watch-list">
        {watches?.map((w) => <WatchCard key={w.id} watch={w} onEdit={() => setEditing(w)} onChanged={refresh} />)}
      </div>
      <h2 className="section-title">{t('history')}</h2>
      <div className="card">
        {runs.length > 0 && <RunsChart runs={runs} />}
        <RunsTable runs={runs} watches={watches ?? []} />
      </div>
      {records.length > 0 && <RecentRecords records={records} />}
    </section>
  );
}

function StatusStrip({ status }: { status: LiteratureStatus }) {
  const { t } = useLitT();
  return (
    <div className="lit-status small" data-testid="lit-status">
      <span>
        {t('status.via')}: <span className="mono">{status.eutilsUrl}</span>
      </span>
      <Badge tone={status.apiKeyConfigured ? 'green' : 'grey'}>{status.apiKeyConfigured ? t('status.key') : t('status.noKey')}</Badge>
      <span>{t('status.rate', { n: status.requestsPerSecond })}</span>
      <span>{t('status.tz', { tz: status.timezone })}</span>
    </div>
  );
}

function ImportButton({ onDone }: { onDone: () => void }) {
  const { t } = useLitT();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const pick = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const run = await importPubmedXml(file);
      setMessage(t('imported', { file: file.name, n: run.newRecords, u: run.updated, c: run.unchanged, r: run.retracted }));
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };
  return (
    <span className="import-xml">
      <input ref={input} type="file" accept=".xml,text/xml,application/xml" hidden onChange={(e) => pick(e.target.files?.[0])} data-testid="import-input" />
      <button type="button" className="btn" onClick={() => input.current?.click()} disabled={busy}>
        {busy ? t('importing') : t('importXml')}
      </button>
      {message && <span className="import-message small" data-testid="import-message">{message}</span>}
      {error ? <ErrorAlert error={error} /> : null}
    </span>
  );
}

function RecentRecords({ records }: { records: LiteratureRecord[] }) {
  const { t, lang } = useLitT();
  return (
    <>
      <h2 className="section-title">{t('recent')}</h2>
      <ul className="card record-list" data-testid="records">
        {records.map((r) => (
          <li key={r.pmid} className="record">
            <Link to={`/sources/${encodeURIComponent(r.sourceId)}`} className="record-title">{r.title}</Link>
            <div className="record-meta small muted">
              {r.authors.slice(0, 3).map((a) => a.name).join(', ')}
              {r.authors.length > 3 ? ' et al.' : ''} · {r.journal} · {r.year} · PMID {r.pmid}
              {r.evidenceLevel && <Badge tone="blue">{EVIDENCE_LEVEL_LABELS[r.evidenceLevel as keyof typeof EVIDENCE_LEVEL_LABELS]?.[lang] ?? r.evidenceLevel}</Badge>}
              {r.retracted && <Badge tone="red">{t('retractedBadge')}</Badge>}
              {!r.hasAbstract && <Badge tone="grey">{t('noAbstract')}</Badge>}
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
