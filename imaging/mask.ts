import { AppError } from '../core/index.ts';
import type { LabelArray } from './measure/roi.ts';
import { type Geometry, indexToWorld, indexTransform, sameGrid, type VoxelArray, voxelCount, worldToIndex } from './volume.ts';

/** A mask on some grid: integer labels (probability masks already thresholded), with where it came from. */
export interface MaskVolume {
  geometry: Geometry;
  labels: LabelArray;
  kind: 'labels' | 'probability' | 'dicom_seg' | 'rtstruct';
  sha256: string;
  fileName: string | null;
  threshold: number | null;
  /** Names by label value, where the format carries them. */
  names: Map<number, string>;
  /** False when the file carried no orientation: such a mask can only be used on an identical grid. */
  hasGeometry: boolean;
  resampled: boolean;
  warnings: string[];
}

/**
 * Turn a voxel array read from a mask file into labels. With `threshold` (or non-integer values) it is a
 * probability map: inside where value > threshold (default 0.5). Otherwise the integer values are labels.
 */
export function labelsFromData(data: VoxelArray, threshold: number | undefined): { labels: LabelArray; kind: 'labels' | 'probability'; threshold: number | null } {
  let fractional = false;
  let max = 0;
  let negative = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v > max) max = v;
    if (v < 0) negative = true;
    if (!fractional && v !== Math.floor(v)) fractional = true;
  }
  if (threshold !== undefined || fractional) {
    const t = threshold ?? 0.5;
    const out = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i] > t ? 1 : 0;
    return { labels: out, kind: 'probability', threshold: t };
  }
  if (negative) throw new AppError('VALIDATION_FAILED', '掩膜含负值：标签须为非负整数（概率图请给出阈值）/ the mask has negative values: labels must be non-negative integers (give a threshold for a probability map)', { field: 'mask' });
  if (max > 65535) throw new AppError('VALIDATION_FAILED', `掩膜标签值 ${max} 超出范围 / label value ${max} exceeds 65535`, { field: 'mask' });
  const out = max <= 255 ? new Uint8Array(data.length) : new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i];
  return { labels: out, kind: 'labels', threshold: null };
}

/**
 * Put a mask on the image grid. Same grid: used as is. Another grid with a known orientation: resampled
 * by nearest neighbour (pulling each image voxel of the region the labels cover), with a warning; labels
 * falling outside the image are reported. Refused, naming both grids, when the mask has no orientation and
 * another size, or when none of its labelled voxels lies in the image.
 */
export function alignMask(mask: MaskVolume, image: Geometry): MaskVolume {
  if (sameGrid(mask.geometry, image)) return mask;
  const md = mask.geometry.dims.join('×');
  const id = image.dims.join('×');
  if (!mask.hasGeometry) {
    if (mask.geometry.dims.every((d, n) => d === image.dims[n])) return { ...mask, geometry: image, warnings: [...mask.warnings, '掩膜无方向信息，按图像网格使用 / the mask has no orientation: used on the image grid'] };
    throw new AppError('MASK_GEOMETRY_MISMATCH', `掩膜尺寸 ${md} 与图像 ${id} 不一致，且掩膜没有方向信息，无法对齐 / mask dimensions ${md} differ from the image's ${id} and the mask carries no orientation to align it`, { field: 'mask', details: { maskDims: mask.geometry.dims, imageDims: image.dims } });
  }
  const g = mask.geometry;
  const [mx, my, mz] = g.dims;
  // Bounding box of the labels in mask indices, then its 8 corners in image indices.
  const b = new Float64Array([Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity]);
  let idx = 0;
  let labelled = 0;
  for (let k = 0; k < mz; k++) for (let j = 0; j < my; j++) for (let i = 0; i < mx; i++, idx++) if (mask.labels[idx]) {
    labelled++;
    if (i < b[0]) b[0] = i;
    if (i > b[1]) b[1] = i;
    if (j < b[2]) b[2] = j;
    if (j > b[3]) b[3] = j;
    if (k < b[4]) b[4] = k;
    if (k > b[5]) b[5] = k;
  }
  if (labelled === 0) return { ...mask, geometry: image, labels: new Uint8Array(voxelCount(image)), resampled: true };
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const i of [b[0] - 0.5, b[1] + 0.5]) for (const j of [b[2] - 0.5, b[3] + 0.5]) for (const k of [b[4] - 0.5, b[5] + 0.5]) {
    const p = worldToIndex(image, indexToWorld(g, i, j, k));
    for (let n = 0; n < 3; n++) {
      lo[n] = Math.min(lo[n], p[n]);
      hi[n] = Math.max(hi[n], p[n]);
    }
  }
  const [nx, ny, nz] = image.dims;
  const i0 = Math.max(0, Math.floor(lo[0]));
  const j0 = Math.max(0, Math.floor(lo[1]));
  const k0 = Math.max(0, Math.floor(lo[2]));
  const i1 = Math.min(nx - 1, Math.ceil(hi[0]));
  const j1 = Math.min(ny - 1, Math.ceil(hi[1]));
  const k1 = Math.min(nz - 1, Math.ceil(hi[2]));
  const out = mask.labels instanceof Uint16Array ? new Uint16Array(voxelCount(image)) : new Uint8Array(voxelCount(image));
  let hits = 0;
  const t = indexTransform(image, g);
  for (let k = k0; k <= k1; k++) for (let j = j0; j <= j1; j++) for (let i = i0; i <= i1; i++) {
    const a = Math.round(t[0] * i + t[1] * j + t[2] * k + t[3]);
    const c = Math.round(t[4] * i + t[5] * j + t[6] * k + t[7]);
    const d = Math.round(t[8] * i + t[9] * j + t[10] * k + t[11]);
    if (a < 0 || c < 0 || d < 0 || a >= mx || c >= my || d >= mz) continue;
    const l = mask.labels[a + mx * (c + my * d)];
    if (l) {
      out[i + nx * (j + ny * k)] = l;
      hits++;
    }
  }
  if (hits === 0) {
    throw new AppError('MASK_GEOMETRY_MISMATCH', `掩膜（${md}）与图像（${id}）在空间上不重叠 / the mask (${md}) does not overlap the image (${id}) in patient space: wrong mask or wrong series`, { field: 'mask', details: { maskDims: g.dims, imageDims: image.dims } });
  }
  const outside = i0 > lo[0] + 0.5 || j0 > lo[1] + 0.5 || k0 > lo[2] + 0.5 || i1 < hi[0] - 0.5 || j1 < hi[1] - 0.5 || k1 < hi[2] - 0.5;
  const warnings = [...mask.warnings, `掩膜网格（${md}）与图像（${id}）不同，已按最近邻重采样 / mask grid ${md} differs from the image grid ${id}: resampled (nearest neighbour)`];
  if (outside) warnings.push('部分掩膜位于图像范围之外，已截去 / part of the mask lies outside the image and was cut off');
  return { ...mask, geometry: image, labels: out, resampled: true, warnings };
}
