import type { Lesion, MeasurementResult } from './api.ts';
import { imagingApi } from './api.ts';
import { type ImagingKey, useImagingT } from './i18n.ts';

const fmt = (n: number | null | undefined, d = 1) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(d));

/** Measurements per lesion (click a row to see it), its histogram, the radiomics features, provenance and CSV export. */
export function ResultsPanel({ result, selected, onSelect }: { result: MeasurementResult; selected: string | null; onSelect: (l: Lesion) => void }) {
  const { t } = useImagingT();
  const lesion = result.lesions.find((l) => l.ref === selected) ?? result.lesions[0];
  const p = result.provenance;
  return (
    <div className="results-panel">
      <div className="table-wrap">
        <table className="table lesion-table" data-testid="lesion-table">
          <thead>
            <tr>
              <th>{t('measure.lesion')}</th>
              <th className="num">{t('measure.volume')}</th>
              <th className="num">{t('measure.axes')}</th>
              <th className="num">{t('measure.d3')}</th>
              <th className="num">{t('measure.mean')}</th>
              <th>{t('measure.solid')}</th>
            </tr>
          </thead>
          <tbody>
            {result.lesions.map((l) => (
              <tr key={l.ref} className={`clickable${l.ref === lesion?.ref ? ' selected' : ''}`} onClick={() => onSelect(l)} data-lesion={l.ref}>
                <td>
                  <b>{l.ref}</b> {l.labelName ?? ''}
                </td>
                <td className="num" data-testid="volume">
                  {fmt(l.volumeCm3, 2)} cm³
                  <div className="cell-sub">{fmt(l.volumeMm3)} mm³</div>
                </td>
                <td className="num" data-testid="axes">
                  {fmt(l.axial.longAxis.lengthMm)} × {fmt(l.axial.shortAxis?.lengthMm)} mm
                </td>
                <td className="num">{fmt(l.maxDiameter3d.lengthMm)} mm</td>
                <td className="num" data-testid="mean">
                  {fmt(l.intensity.mean)} ± {fmt(l.intensity.sd)} {l.intensity.unit}
                </td>
                <td>{l.solidComponent ? `${t(`node.${l.solidComponent.nodeType}` as ImagingKey)} · CTR ${fmt(l.solidComponent.ctr, 2)}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {result.volumes.length > 1 && <VolumesTable result={result} />}
      {lesion && (
        <div className="lesion-detail">
          <Histogram lesion={lesion} />
          <dl className="descriptor-list" data-testid="descriptors">
            <div>
              <dt>{t('measure.margin')}</dt>
              <dd>
                {t(`grade.${lesion.descriptors.margin.grade}` as ImagingKey)} <span className="muted">({fmt(lesion.descriptors.margin.sharpnessIndex, 2)})</span>
              </dd>
            </div>
            <div>
              <dt>{t('measure.contour')}</dt>
              <dd>
                {t(`grade.${lesion.descriptors.contour.grade}` as ImagingKey)} <span className="muted">(sphericity {fmt(lesion.descriptors.contour.sphericity, 2)})</span>
              </dd>
            </div>
            <div>
              <dt>{t('measure.uniformity')}</dt>
              <dd>
                {t(`grade.${lesion.descriptors.uniformity.grade}` as ImagingKey)} <span className="muted">(SD {fmt(lesion.descriptors.uniformity.sd)})</span>
              </dd>
            </div>
            <div>
              <dt>{t('measure.range')}</dt>
              <dd>
                {fmt(lesion.intensity.min, 0)} / {fmt(lesion.intensity.max, 0)} {lesion.intensity.unit}
              </dd>
            </div>
            {lesion.descriptors.enhancement && (
              <div>
                <dt>{t('measure.enhancement')}</dt>
                <dd>
                  {t(`grade.${lesion.descriptors.enhancement.grade}` as ImagingKey)} ({fmt(lesion.descriptors.enhancement.value)} {lesion.descriptors.enhancement.unit})
                </dd>
              </div>
            )}
          </dl>
        </div>
      )}
      <div className="results-actions">
        <a className="btn btn-small" href={imagingApi.csvUrl(result.id)} download data-testid="csv-export">
          {t('measure.csv')}
        </a>
        <span className="muted mono" title={result.id}>
          {result.id}
        </span>
      </div>
      <details className="provenance">
        <summary>{t('measure.provenance')}</summary>
        <ul className="mono">
          <li>{p.image.kind === 'dicom' ? `DICOM series ${p.image.seriesInstanceUid} · study ${p.image.studyInstanceUid ?? '—'} · ${p.image.instances} files` : `NIfTI ${p.image.fileName} · sha256 ${p.image.sha256.slice(0, 16)}…`}</li>
          <li>
            mask {p.mask.kind} · sha256 {p.mask.sha256.slice(0, 16)}… {p.mask.threshold !== null ? `· threshold ${p.mask.threshold}` : ''} {p.mask.resampled ? '· resampled' : ''}
          </li>
          <li>
            {p.modality} ({p.modalitySource}) · {p.geometry.dims.join('×')} · {p.geometry.spacingMm.map((s) => s.toFixed(3)).join('×')} mm · {p.geometry.orientation}
          </li>
          <li>
            {p.software.name} {p.software.version} · {p.software.featureDefinitions}
          </li>
        </ul>
      </details>
      {result.warnings.length > 0 && (
        <div className="alert alert-warn" data-testid="measure-warnings">
          <strong>{t('measure.warnings')}</strong>
          <ul>
            {result.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      {lesion && (
        <details className="features">
          <summary>
            {t('measure.features')} ({Object.keys(lesion.features).length})
          </summary>
          <table className="table features-table">
            <tbody>
              {Object.entries(lesion.features).map(([k, v]) => (
                <tr key={k}>
                  <td className="mono">{k.replace(/^original_/, '')}</td>
                  <td className="num">{Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(4) : v.toFixed(4)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}

/** 器官体积/占比: every label's volume, its share of all labels and the ratio to the reference label. */
function VolumesTable({ result }: { result: MeasurementResult }) {
  const { t } = useImagingT();
  const ref = result.provenance.settings.referenceLabel;
  return (
    <div className="table-wrap">
      <h3 className="section-title">{t('measure.volumes')}</h3>
      <table className="table" data-testid="volume-table">
        <thead>
          <tr>
            <th>{t('measure.label')}</th>
            <th className="num">{t('measure.volume')}</th>
            <th className="num">{t('measure.share')}</th>
            {ref !== null && <th className="num">{t('measure.ratio', { ref: String(ref) })}</th>}
          </tr>
        </thead>
        <tbody>
          {result.volumes.map((v) => (
            <tr key={v.label} data-label={v.label}>
              <td>
                <b>L{v.label}</b> {v.name ?? ''}
              </td>
              <td className="num">{fmt(v.volumeCm3, 2)} cm³</td>
              <td className="num">{fmt(v.sharePercent)} %</td>
              {ref !== null && <td className="num">{v.label === ref ? '1' : fmt(v.ratioToReference, 3)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Histogram({ lesion }: { lesion: Lesion }) {
  const { t } = useImagingT();
  const h = lesion.intensity.histogram;
  const W = 360;
  const H = 120;
  const max = Math.max(1, ...h.counts);
  const bw = W / h.counts.length;
  return (
    <figure className="histogram" data-testid="histogram">
      <figcaption className="bars-title">{t('measure.histogram', { unit: lesion.intensity.unit })}</figcaption>
      <svg viewBox={`0 0 ${W} ${H + 16}`} width="100%" role="img" aria-label={t('measure.histogram', { unit: lesion.intensity.unit })}>
        {h.counts.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a bin is its position; the list never reorders
          <rect key={`${h.start + i * h.binWidth}`} x={i * bw + 0.5} y={H - (H * c) / max} width={Math.max(1, bw - 1)} height={(H * c) / max} className="hist-bar">
            <title>{`${h.start + i * h.binWidth} – ${h.start + (i + 1) * h.binWidth} ${lesion.intensity.unit}: ${c}`}</title>
          </rect>
        ))}
        <text x={0} y={H + 13} className="bars-label">
          {h.start}
        </text>
        <text x={W} y={H + 13} textAnchor="end" className="bars-label">
          {h.start + h.counts.length * h.binWidth} {lesion.intensity.unit}
        </text>
      </svg>
    </figure>
  );
}
