import { useEffect, useState } from 'react';
import { ApiError } from '../api.ts';
import { ErrorAlert, Loading } from '../components.tsx';
import { imagingApi, type PacsSeries, type PacsStudy } from './api.ts';
import { useImagingT } from './i18n.ts';

export interface PacsChoice {
  studyUid: string;
  series: PacsSeries;
}

/** Studies on the PACS (QIDO-RS through the pacs connector) and their series; choosing one sets the image source. */
export function PacsPicker({ onChoose }: { onChoose: (c: PacsChoice) => void }) {
  const { t } = useImagingT();
  const [studies, setStudies] = useState<PacsStudy[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [series, setSeries] = useState<PacsSeries[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const ctl = new AbortController();
    imagingApi.pacsStudies({ limit: 50 }, ctl.signal).then((r) => setStudies(r.items), (e) => !ctl.signal.aborted && setError(e));
    return () => ctl.abort();
  }, []);
  const expand = (uid: string) => {
    setOpen(uid);
    setSeries(null);
    imagingApi.pacsSeries(uid).then((r) => setSeries(r.items), setError);
  };
  if (error instanceof ApiError && error.code === 'NOT_CONFIGURED') return <p className="muted" data-testid="pacs-none">{t('measure.pacsNone')}</p>;
  if (error) return <ErrorAlert error={error} />;
  if (!studies) return <Loading />;
  if (!studies.length) return <p className="muted">{t('measure.pacsEmpty')}</p>;
  return (
    <ul className="recent-list" data-testid="pacs-studies">
      {studies.map((s) => (
        <li key={s.studyInstanceUid}>
          <button type="button" className="link-button" onClick={() => expand(s.studyInstanceUid)} data-study={s.studyInstanceUid}>
            {s.studyDate ?? '—'} · {s.modalities.join('/')} · {s.studyDescription ?? s.studyInstanceUid.slice(-12)}
          </button>
          {open === s.studyInstanceUid && (
            <ul className="pacs-series">
              {!series && <Loading />}
              {series?.map((se) => (
                <li key={se.seriesInstanceUid}>
                  {se.seriesNumber ?? ''} {se.modality} {se.seriesDescription ?? ''} <span className="muted">({se.instances ?? '?'})</span>{' '}
                  <button type="button" className="btn btn-small" onClick={() => onChoose({ studyUid: s.studyInstanceUid, series: se })} data-series={se.seriesInstanceUid}>
                    {t('measure.pacsPick')}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}
