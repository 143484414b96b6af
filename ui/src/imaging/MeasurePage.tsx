import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { ErrorAlert, Loading, ProgressBar, useTitle } from '../components.tsx';
import { AiResultsPanel } from './AiResultsPanel.tsx';
import { imagingApi, type Lesion, type MeasurementResult, type MeasurementSummary, type StoredVolumeMeta } from './api.ts';
import { directoryPicker } from './directory-picker.ts';
import { useImagingT } from './i18n.ts';
import { type PacsChoice, PacsPicker } from './PacsPicker.tsx';
import { ResultsPanel } from './ResultsPanel.tsx';
import { SliceViewer } from './SliceViewer.tsx';
import './imaging.css';

interface Loaded {
  result: MeasurementResult;
  summary: MeasurementSummary;
  image: StoredVolumeMeta;
}

/** Measure: upload an image + mask (or open a measured study), see the slice with the mask and axes, the numbers, export CSV. */
export function MeasurePage() {
  const { t, dateTime } = useImagingT();
  useTitle(t('measure.title'));
  const [recent, setRecent] = useState<MeasurementSummary[] | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [job, setJob] = useState<{ id: string; step: string; done: number; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [slice, setSlice] = useState(0);
  const [tab, setTab] = useState<'measured' | 'pacs' | 'ai'>('measured');
  const [pacs, setPacs] = useState<PacsChoice | null>(null);

  const refreshRecent = useCallback(() => imagingApi.list({ limit: 20 }).then((r) => setRecent(r.items), setError), []);
  useEffect(() => {
    refreshRecent();
  }, [refreshRecent]);

  const open = async (id: string) => {
    setError(null);
    setBusy(t('measure.running'));
    try {
      const { measurement, summary } = await imagingApi.get(id);
      const image = await imagingApi.volume(summary.imageKey);
      setLoaded({ result: measurement, summary, image });
      const first = measurement.lesions[0];
      setSelected(first?.ref ?? null);
      setSlice(first?.axial.slice ?? Math.floor(image.geometry.dims[2] / 2));
      refreshRecent();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const submit = async (form: FormData) => {
    setError(null);
    setBusy(t('measure.running'));
    try {
      const answer = await imagingApi.measure(form);
      if (answer.status === 'measured') return await open(answer.measurement.id);
      // Large input: a job measures it; follow its progress.
      let j = answer.job;
      while (j.status === 'queued' || j.status === 'running') {
        setJob({ id: j.id, step: j.step ?? 'queued', done: j.progressDone, total: Math.max(1, j.progressTotal) });
        await new Promise((r) => setTimeout(r, 700));
        j = await imagingApi.job(j.id);
      }
      setJob(null);
      if (j.status !== 'succeeded') throw new Error(j.lastError?.message ?? j.status);
      await open(String(j.result?.measurementId));
    } catch (e) {
      setError(e);
      setBusy(null);
      setJob(null);
    }
  };

  const select = (l: Lesion) => {
    setSelected(l.ref);
    setSlice(l.axial.slice);
  };

  return (
    <section className="page measure-page">
      <div className="page-title-row">
        <h1 className="page-title">{t('measure.title')}</h1>
      </div>
      <p className="muted lead">{t('measure.lead')}</p>
      <div className="measure-inputs">
        <UploadForm onSubmit={submit} disabled={!!busy} pacs={pacs} onClearPacs={() => setPacs(null)} />
        <div className="card recent-card">
          <div className="card-head">
            <h2 className="card-title">{t('measure.recent')}</h2>
            <div className="card-head-right segmented">
              <button type="button" className={tab === 'measured' ? 'active' : ''} onClick={() => setTab('measured')} data-tab="measured">
                {t('measure.tabMeasured')}
              </button>
              <button type="button" className={tab === 'pacs' ? 'active' : ''} onClick={() => setTab('pacs')} data-tab="pacs">
                {t('measure.tabPacs')}
              </button>
              <button type="button" className={tab === 'ai' ? 'active' : ''} onClick={() => setTab('ai')} data-tab="ai">
                {t('ai.tab')}
              </button>
            </div>
          </div>
          {tab === 'pacs' && <PacsPicker onChoose={setPacs} />}
          {tab === 'ai' && <AiResultsPanel />}
          {tab === 'measured' && !recent && <Loading />}
          {tab === 'measured' && recent?.length === 0 && <p className="muted">{t('measure.recentEmpty')}</p>}
          <ul className="recent-list" data-testid="recent-measurements" hidden={tab !== 'measured'}>
            {recent?.map((m) => (
              <li key={m.id} className={loaded?.result.id === m.id ? 'active' : ''}>
                <button type="button" className="link-button" onClick={() => open(m.id)} data-measurement={m.id}>
                  {m.imageKind === 'dicom' ? `DICOM ${m.studyUid?.slice(-12) ?? ''}` : 'NIfTI'} · {m.modality} · {m.lesionCount} {t('measure.lesion')}
                </button>
                <span className="muted"> {dateTime(m.createdAt)}</span>
              </li>
            ))}
          </ul>
        </div>
      </div>
      {error ? <ErrorAlert error={error} /> : null}
      {job && (
        <div className="card job-card" data-testid="measure-job">
          <p>{t('measure.queued', { job: job.id, step: job.step, done: job.done, total: job.total })}</p>
          <ProgressBar value={job.done} max={job.total} />
        </div>
      )}
      {busy && !job && <Loading label={busy} />}
      {loaded && (
        <div className="measure-result" data-testid="measure-result">
          <SliceViewer image={loaded.image} maskKey={loaded.summary.maskKey} lesions={loaded.result.lesions} selected={selected} slice={slice} onSlice={setSlice} />
          <ResultsPanel result={loaded.result} selected={selected} onSelect={select} />
        </div>
      )}
    </section>
  );
}

function UploadForm({ onSubmit, disabled, pacs, onClearPacs }: { onSubmit: (f: FormData) => void; disabled: boolean; pacs: PacsChoice | null; onClearPacs: () => void }) {
  const { t } = useImagingT();
  const formRef = useRef<HTMLFormElement>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const el = formRef.current;
    if (!el) return;
    const data = new FormData();
    const files = (name: string) => Array.from((el.elements.namedItem(name) as HTMLInputElement | null)?.files ?? []);
    if (pacs) {
      data.append('pacsStudyUid', pacs.studyUid);
      data.append('pacsSeriesUid', pacs.series.seriesInstanceUid);
    } else for (const f of [...files('image'), ...files('imageFolder')]) data.append('image', f, f.name);
    for (const f of files('mask')) data.append('mask', f, f.name);
    for (const f of files('pre')) data.append('pre', f, f.name);
    for (const k of ['label', 'referenceLabel', 'threshold', 'modality']) {
      const v = (el.elements.namedItem(k) as HTMLInputElement | null)?.value;
      if (v) data.append(k, v);
    }
    if ((el.elements.namedItem('components') as HTMLInputElement | null)?.checked) data.append('components', 'true');
    onSubmit(data);
  };
  return (
    <form ref={formRef} className="card upload-form" onSubmit={submit} data-testid="measure-form">
      {pacs ? (
        <div className="field pacs-chosen" data-testid="pacs-chosen">
          <span className="field-label">{t('measure.image')}</span>
          <span>{t('measure.pacsChosen', { desc: pacs.series.seriesDescription ?? pacs.series.seriesInstanceUid, n: pacs.series.instances ?? '?' })}</span>
          <button type="button" className="btn btn-small" onClick={onClearPacs}>
            {t('measure.pacsClear')}
          </button>
        </div>
      ) : (
        <>
          <label className="field">
            <span className="field-label">{t('measure.image')}</span>
            <input type="file" name="image" multiple accept=".nii,.gz,.dcm,application/dicom" />
            <span className="muted small">{t('measure.imageHint')}</span>
          </label>
          <label className="field">
            <span className="field-label">{t('measure.folder')}</span>
            <input ref={directoryPicker} type="file" name="imageFolder" multiple />
          </label>
        </>
      )}
      <label className="field">
        <span className="field-label">{t('measure.mask')}</span>
        <input type="file" name="mask" accept=".nii,.gz,.dcm,application/dicom" />
      </label>
      <label className="field">
        <span className="field-label">{t('measure.pre')}</span>
        <input type="file" name="pre" multiple accept=".nii,.gz,.dcm,application/dicom" />
      </label>
      <div className="field-row">
        <label className="field">
          <span className="field-label">{t('measure.label')}</span>
          <input className="input input-num" name="label" type="number" min={1} placeholder={t('measure.labelAll')} />
        </label>
        <label className="field">
          <span className="field-label">{t('measure.referenceLabel')}</span>
          <input className="input input-num" name="referenceLabel" type="number" min={1} placeholder={t('measure.referenceNone')} />
        </label>
        <label className="field">
          <span className="field-label">{t('measure.threshold')}</span>
          <input className="input input-num" name="threshold" type="number" step="0.05" min={0} placeholder="0.5" />
        </label>
        <label className="field">
          <span className="field-label">{t('measure.modality')}</span>
          <select className="input" name="modality" defaultValue="">
            <option value="">{t('measure.modalityAuto')}</option>
            <option value="CT">CT</option>
            <option value="MR">MR</option>
          </select>
        </label>
      </div>
      <label className="check">
        <input type="checkbox" name="components" /> {t('measure.components')}
      </label>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={disabled} data-testid="measure-submit">
          {t('measure.submit')}
        </button>
      </div>
    </form>
  );
}
