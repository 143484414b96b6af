import { useEffect, useMemo, useRef, useState } from 'react';
import type { Lesion, SliceData, StoredVolumeMeta } from './api.ts';
import { imagingApi } from './api.ts';
import { type ImagingKey, useImagingT } from './i18n.ts';

export interface Window {
  center: number;
  width: number;
}

const PRESETS: Array<{ id: 'lung' | 'mediastinum' | 'bone' | 'brain'; w: Window }> = [
  { id: 'lung', w: { center: -600, width: 1500 } },
  { id: 'mediastinum', w: { center: 40, width: 400 } },
  { id: 'bone', w: { center: 400, width: 1800 } },
  { id: 'brain', w: { center: 40, width: 80 } },
];
const LABEL_COLOURS: Array<[number, number, number]> = [
  [255, 64, 64],
  [64, 200, 255],
  [255, 200, 40],
  [120, 230, 120],
  [220, 120, 255],
];

/** Slices fetched once per volume and index (raw voxels; window/level is applied in the browser). */
function useSlice(key: string | null, k: number): SliceData | null {
  const cache = useRef(new Map<string, SliceData>());
  const [data, setData] = useState<SliceData | null>(null);
  useEffect(() => {
    if (!key) return setData(null);
    const id = `${key}:${k}`;
    const hit = cache.current.get(id);
    if (hit) return setData(hit);
    const ctl = new AbortController();
    imagingApi
      .slice(key, k, ctl.signal)
      .then((d) => {
        cache.current.set(id, d);
        setData(d);
      })
      .catch(() => undefined);
    return () => ctl.abort();
  }, [key, k]);
  return data;
}

/**
 * Axial slice viewer: window/level (presets and values), the mask overlay, and the measured long and
 * short axes drawn on the slice they were measured on. Wheel or slider changes the slice. Pixels keep
 * their physical aspect (pixel spacing).
 */
export function SliceViewer({ image, maskKey, lesions, selected, slice, onSlice }: { image: StoredVolumeMeta; maskKey: string | null; lesions: Lesion[]; selected: string | null; slice: number; onSlice: (k: number) => void }) {
  const { t } = useImagingT();
  const [nx, ny, nz] = image.geometry.dims;
  const [sx, sy] = image.geometry.spacing;
  const [win, setWin] = useState<Window>(image.window);
  const [overlay, setOverlay] = useState(true);
  const canvas = useRef<HTMLCanvasElement>(null);
  const pixels = useSlice(image.key, slice);
  const mask = useSlice(maskKey, slice);
  useEffect(() => setWin(image.window), [image.window]);

  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || !pixels) return;
    const img = ctx.createImageData(nx, ny);
    const lo = win.center - win.width / 2;
    const scale = 255 / Math.max(1e-6, win.width);
    for (let n = 0; n < nx * ny; n++) {
      const g = Math.max(0, Math.min(255, (pixels[n] - lo) * scale));
      let r = g;
      let gg = g;
      let b = g;
      const l = overlay && mask ? mask[n] : 0;
      if (l) {
        const [cr, cg, cb] = LABEL_COLOURS[(l - 1) % LABEL_COLOURS.length];
        r = g * 0.6 + cr * 0.4;
        gg = g * 0.6 + cg * 0.4;
        b = g * 0.6 + cb * 0.4;
      }
      img.data[4 * n] = r;
      img.data[4 * n + 1] = gg;
      img.data[4 * n + 2] = b;
      img.data[4 * n + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [pixels, mask, win, overlay, nx, ny]);

  const onSliceLesions = useMemo(() => lesions.filter((l) => l.axial.slice === slice), [lesions, slice]);
  const aspect = (ny * sy) / (nx * sx);
  return (
    <div className="slice-viewer" data-testid="slice-viewer">
      <div
        className="slice-stage"
        style={{ aspectRatio: `${1 / aspect}` }}
        onWheel={(e) => {
          e.preventDefault();
          onSlice(Math.max(0, Math.min(nz - 1, slice + (e.deltaY > 0 ? 1 : -1))));
        }}
      >
        <canvas ref={canvas} width={nx} height={ny} className="slice-canvas" data-testid="slice-canvas" />
        <svg className="slice-overlay" viewBox={`0 0 ${nx} ${ny}`} preserveAspectRatio="none" aria-hidden="true">
          {onSliceLesions.map((l) => {
            const la = l.axial.longAxis;
            const sa = l.axial.shortAxis;
            const strong = !selected || selected === l.ref;
            return (
              <g key={l.ref} opacity={strong ? 1 : 0.5} data-lesion={l.ref}>
                <line x1={la.fromIndex[0] + 0.5} y1={la.fromIndex[1] + 0.5} x2={la.toIndex[0] + 0.5} y2={la.toIndex[1] + 0.5} className="axis-long" vectorEffect="non-scaling-stroke" data-testid="long-axis" />
                {sa && <line x1={sa.fromIndex[0] + 0.5} y1={sa.fromIndex[1] + 0.5} x2={sa.toIndex[0] + 0.5} y2={sa.toIndex[1] + 0.5} className="axis-short" vectorEffect="non-scaling-stroke" data-testid="short-axis" />}
              </g>
            );
          })}
        </svg>
        <div className="slice-caption">
          {onSliceLesions.map((l) => (
            <div key={l.ref}>
              {l.ref}: <b className="axis-long-text">{l.axial.longAxis.lengthMm.toFixed(1)}</b> × <b className="axis-short-text">{(l.axial.shortAxis?.lengthMm ?? 0).toFixed(1)}</b> mm
            </div>
          ))}
        </div>
      </div>
      <div className="slice-controls">
        <label className="slice-nav">
          {t('measure.slice')}{' '}
          <button type="button" className="btn btn-small" onClick={() => onSlice(Math.max(0, slice - 1))} aria-label="previous slice">
            ‹
          </button>
          <input type="range" min={0} max={nz - 1} value={slice} onChange={(e) => onSlice(Number(e.target.value))} data-testid="slice-range" />
          <button type="button" className="btn btn-small" onClick={() => onSlice(Math.min(nz - 1, slice + 1))} aria-label="next slice">
            ›
          </button>
          <span data-testid="slice-index">
            {slice + 1} / {nz}
          </span>
        </label>
        <div className="wl-controls">
          <span className="muted">{t('measure.window')}</span>
          <button type="button" className="btn btn-small" onClick={() => setWin(image.window)} data-preset="auto">
            {t('preset.auto')}
          </button>
          {PRESETS.map((p) => (
            <button key={p.id} type="button" className={`btn btn-small${win.center === p.w.center && win.width === p.w.width ? ' active' : ''}`} onClick={() => setWin(p.w)} data-preset={p.id}>
              {t(`preset.${p.id}` as ImagingKey)}
            </button>
          ))}
          <label>
            {t('measure.center')} <input className="input input-num" type="number" value={win.center} onChange={(e) => setWin({ ...win, center: Number(e.target.value) })} data-testid="wl-center" />
          </label>
          <label>
            {t('measure.width')} <input className="input input-num" type="number" min={1} value={win.width} onChange={(e) => setWin({ ...win, width: Math.max(1, Number(e.target.value)) })} data-testid="wl-width" />
          </label>
          <label>
            <input type="checkbox" checked={overlay} onChange={(e) => setOverlay(e.target.checked)} data-testid="overlay-toggle" /> {t('measure.overlay')}
          </label>
        </div>
      </div>
    </div>
  );
}
