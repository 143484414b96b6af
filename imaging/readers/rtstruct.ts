import { AppError, sha256Hex } from '../../core/index.ts';
import type { MaskVolume } from '../mask.ts';
import { type Geometry, voxelCount, worldToIndex } from '../volume.ts';
import { type DicomFile, num, text } from './dicom-dataset.ts';

const RT = {
  roiSequence: 'x30060020',
  roiNumber: 'x30060022',
  roiName: 'x30060026',
  contourSequence: 'x30060039',
  refRoiNumber: 'x30060084',
  contours: 'x30060040',
  geometricType: 'x30060042',
  contourData: 'x30060050',
} as const;

/**
 * An RTSTRUCT rasterised onto the image grid: each closed planar contour is mapped into image indices,
 * must lie on an acquired slice, and fills the pixels whose centres it encloses; contours of one ROI on
 * one slice combine by the even-odd rule, so an inner contour is a hole. ROI numbers become labels.
 */
export function readRtstruct(f: DicomFile, image: Geometry): MaskVolume {
  const ds = f.ds;
  const names = new Map<number, string>();
  for (const it of ds.elements[RT.roiSequence]?.items ?? []) {
    const n = it.dataSet ? num(it.dataSet, RT.roiNumber) : null;
    if (n !== null && it.dataSet) names.set(n, text(it.dataSet, RT.roiName, ds) ?? `ROI ${n}`);
  }
  const [nx, ny, nz] = image.dims;
  const out = new Uint16Array(voxelCount(image));
  const warnings: string[] = [];
  let filled = 0;
  let offSlice = 0;
  for (const roi of ds.elements[RT.contourSequence]?.items ?? []) {
    const rds = roi.dataSet;
    if (!rds) continue;
    const label = num(rds, RT.refRoiNumber) ?? 0;
    if (!(label >= 1 && label <= 65535)) continue;
    const bySlice = new Map<number, Array<{ x: number[]; y: number[] }>>();
    for (const c of rds.elements[RT.contours]?.items ?? []) {
      const cds = c.dataSet;
      if (!cds) continue;
      const type = cds.string(RT.geometricType)?.trim();
      if (type && type !== 'CLOSED_PLANAR') continue;
      const raw = (cds.string(RT.contourData) ?? '').split('\\').map(Number);
      if (raw.length < 9 || raw.some((v) => !Number.isFinite(v))) throw new AppError('IMAGE_UNREADABLE', `${f.name}: ROI ${label} 的轮廓数据无效 / invalid ContourData in ROI ${label}`, { field: 'mask' });
      const xs: number[] = [];
      const ys: number[] = [];
      let ksum = 0;
      for (let p = 0; p + 2 < raw.length; p += 3) {
        const q = worldToIndex(image, [raw[p], raw[p + 1], raw[p + 2]]);
        xs.push(q[0]);
        ys.push(q[1]);
        ksum += q[2];
      }
      const kf = ksum / xs.length;
      const k = Math.round(kf);
      if (Math.abs(kf - k) > 0.3 || k < 0 || k >= nz) {
        offSlice++;
        continue;
      }
      let list = bySlice.get(k);
      if (!list) {
        list = [];
        bySlice.set(k, list);
      }
      list.push({ x: xs, y: ys });
    }
    for (const [k, polys] of bySlice) {
      const parity = new Uint8Array(nx * ny);
      for (const poly of polys) fillEvenOdd(poly.x, poly.y, nx, ny, parity);
      for (let p = 0; p < parity.length; p++) if (parity[p]) {
        out[p + nx * ny * k] = label;
        filled++;
      }
    }
  }
  if (filled === 0) {
    throw new AppError('MASK_GEOMETRY_MISMATCH', `${f.name}: RTSTRUCT 的轮廓不在图像的任何层面上 / no RTSTRUCT contour lies on a slice of this image${offSlice ? ` (${offSlice} contour(s) between or outside slices)` : ''}`, { field: 'mask' });
  }
  if (offSlice) warnings.push(`${offSlice} 个轮廓不在图像层面上，已忽略 / ${offSlice} contour(s) not on an image slice were ignored`);
  return { geometry: image, labels: out, kind: 'rtstruct', sha256: sha256Hex(f.bytes), fileName: f.name, threshold: null, names, hasGeometry: true, resampled: false, warnings };
}

/** Toggle the pixels whose centres lie inside the polygon (scanline crossings at pixel-centre rows). */
function fillEvenOdd(xs: number[], ys: number[], nx: number, ny: number, parity: Uint8Array): void {
  const n = xs.length;
  let ymin = Infinity;
  let ymax = -Infinity;
  for (const y of ys) {
    ymin = Math.min(ymin, y);
    ymax = Math.max(ymax, y);
  }
  const crossings: number[] = [];
  for (let j = Math.max(0, Math.ceil(ymin)); j <= Math.min(ny - 1, Math.floor(ymax)); j++) {
    crossings.length = 0;
    for (let a = 0, b = n - 1; a < n; b = a++) {
      const ya = ys[a];
      const yb = ys[b];
      if ((ya > j) !== (yb > j)) crossings.push(xs[a] + ((j - ya) / (yb - ya)) * (xs[b] - xs[a]));
    }
    crossings.sort((p, q) => p - q);
    for (let c = 0; c + 1 < crossings.length; c += 2) {
      for (let i = Math.max(0, Math.ceil(crossings[c])); i <= Math.min(nx - 1, Math.floor(crossings[c + 1])); i++) parity[i + nx * j] ^= 1;
    }
  }
}
