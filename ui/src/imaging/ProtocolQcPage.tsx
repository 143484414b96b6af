import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { Badge, ErrorAlert, Loading, useTitle } from '../components.tsx';
import { type Dashboard, imagingApi, type QcRun } from './api.ts';
import { directoryPicker } from './directory-picker.ts';
import { type ImagingKey, useImagingT } from './i18n.ts';
import { QcTrendChart } from './QcTrendChart.tsx';
import './imaging.css';

const TONE = { pass: 'green', warn: 'amber', fail: 'red', skipped: 'grey' } as const;

/** Protocol QC: upload DICOM series, see each rule and image-quality check, and the per-scanner trend. */
export function ProtocolQcPage() {
  const { t, dateTime } = useImagingT();
  useTitle(t('qc.title'));
  const [runs, setRuns] = useState<QcRun[] | null>(null);
  const [dash, setDash] = useState<Dashboard | null>(null);
  const [groupBy, setGroupBy] = useState<'scanner' | 'protocol'>('scanner');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const load = useCallback(
    (signal?: AbortSignal) =>
      Promise.all([imagingApi.qcRuns({ limit: 100 }, signal), imagingApi.qcDashboard({ groupBy, days: 365 }, signal)])
        .then(([r, d]) => {
          setRuns(r.items);
          setDash(d);
        })
        .catch((e) => {
          if (!signal?.aborted) setError(e);
        }),
    [groupBy],
  );
  useEffect(() => {
    const ctl = new AbortController();
    load(ctl.signal);
    return () => ctl.abort();
  }, [load]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const el = formRef.current;
    if (!el) return;
    const data = new FormData();
    for (const name of ['files', 'folder']) for (const f of Array.from((el.elements.namedItem(name) as HTMLInputElement | null)?.files ?? [])) data.append('file', f, f.name);
    setBusy(true);
    setError(null);
    try {
      const res = await imagingApi.qcCheck(data);
      setOpen(res.runs[0]?.id ?? null);
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page qc-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('qc.title')}</h1>
      </div>
      <p className="muted lead">{t('qc.lead')}</p>
      <form ref={formRef} className="card upload-form qc-form" onSubmit={submit} data-testid="qc-form">
        <label className="field">
          <span className="field-label">{t('qc.upload')}</span>
          <input type="file" name="files" multiple />
        </label>
        <label className="field">
          <span className="field-label">{t('qc.folder')}</span>
          <input ref={directoryPicker} type="file" name="folder" multiple />
        </label>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy} data-testid="qc-submit">
            {busy ? t('qc.checking') : t('qc.check')}
          </button>
        </div>
      </form>
      {error ? <ErrorAlert error={error} /> : null}
      <div className="card">
        <div className="card-head">
          <h2 className="card-title">{dash ? t('qc.totals', dash.totals) : t('qc.dashboard')}</h2>
          <div className="card-head-right segmented">
            <button type="button" className={groupBy === 'scanner' ? 'active' : ''} onClick={() => setGroupBy('scanner')} data-group="scanner">
              {t('qc.byScanner')}
            </button>
            <button type="button" className={groupBy === 'protocol' ? 'active' : ''} onClick={() => setGroupBy('protocol')} data-group="protocol">
              {t('qc.byProtocol')}
            </button>
          </div>
        </div>
        {dash && dash.series.length > 0 && <QcTrendChart data={dash} />}
      </div>
      <h2 className="section-title">{t('qc.runs')}</h2>
      {!runs && <Loading />}
      {runs?.length === 0 && <p className="card empty-row muted">{t('qc.empty')}</p>}
      {runs && runs.length > 0 && (
        <div className="table-wrap">
          <table className="table qc-table" data-testid="qc-runs">
            <thead>
              <tr>
                <th>{t('qc.status')}</th>
                <th className="num">{t('qc.score')}</th>
                <th>{t('qc.scanner')}</th>
                <th>{t('qc.exam')}</th>
                <th>{t('qc.series')}</th>
                <th>{t('qc.acquired')}</th>
                <th className="num">{t('qc.noise')}</th>
                <th>{t('qc.flags')}</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <RunRow key={r.id} run={r} open={open === r.id} onToggle={() => setOpen(open === r.id ? null : r.id)} dateTime={dateTime} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function RunRow({ run, open, onToggle, dateTime }: { run: QcRun; open: boolean; onToggle: () => void; dateTime: (s: string) => string }) {
  const { t } = useImagingT();
  const iq = run.imageQuality;
  const checks = [...run.rules, ...iq.checks];
  return (
    <>
      <tr className="clickable" onClick={onToggle} data-run={run.id} data-status={run.status}>
        <td>
          <Badge tone={TONE[run.status]}>{t(`status.${run.status}` as ImagingKey)}</Badge>
        </td>
        <td className="num">
          <b>{run.score}</b>
        </td>
        <td>{run.scanner}</td>
        <td>{run.examType?.name ?? <span className="muted">{t('qc.unmatched')}</span>}</td>
        <td>
          {run.seriesDescription ?? run.protocolName ?? '—'}
          <div className="cell-sub mono">{run.seriesUid.slice(-18)}</div>
        </td>
        <td>{run.acquiredAt ? dateTime(run.acquiredAt) : '—'}</td>
        <td className="num">{iq.noiseSd.softTissue ?? '—'}</td>
        <td>
          {iq.truncation.flagged && <Badge tone="red">{t('qc.truncation')}</Badge>} {iq.motion.flagged && <Badge tone="red">{t('qc.motion')}</Badge>}
        </td>
      </tr>
      {open && (
        <tr className="qc-detail-row">
          <td colSpan={8}>
            <table className="table qc-rules" data-testid="qc-rules">
              <thead>
                <tr>
                  <th>{t('qc.rule')}</th>
                  <th>{t('qc.status')}</th>
                  <th className="num">{t('qc.value')}</th>
                  <th>{t('qc.expected')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {checks.map((c) => (
                  <tr key={c.id} data-rule={c.id} data-status={c.status}>
                    <td>{c.label}</td>
                    <td>
                      <Badge tone={TONE[c.status]}>{t(`status.${c.status}` as ImagingKey)}</Badge>
                    </td>
                    <td className="num">
                      {c.value ?? '—'} {c.unit ?? ''}
                    </td>
                    <td className="muted">{c.expected}</td>
                    <td>{c.status === 'pass' ? '' : c.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted small">
              SNR {iq.snr ?? '—'} · CNR {iq.cnr ?? '—'} · {iq.motion.detail}
            </p>
            {run.warnings.map((w) => (
              <p key={w} className="alert alert-warn">
                {w}
              </p>
            ))}
          </td>
        </tr>
      )}
    </>
  );
}
