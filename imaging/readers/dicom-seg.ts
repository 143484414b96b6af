import type { DataSet } from 'dicom-parser';
import { AppError, sha256Hex } from '../../core/index.ts';
import type { MaskVolume } from '../mask.ts';
import { type Geometry, indexToWorld, voxelCount, worldToIndex } from '../volume.ts';
import { type DicomFile, num, nums, TAG, text } from './dicom-dataset.ts';

const SEG = {
  type: 'x00620001',
  segments: 'x00620002',
  segmentNumber: 'x00620004',
  segmentLabel: 'x00620005',
  maxFractional: 'x0062000e',
  segmentId: 'x0062000a',
  refSegment: 'x0062000b',
  shared: 'x52009229',
  perFrame: 'x52009230',
  pixelMeasures: 'x00289110',
  planeOrientation: 'x00209116',
  planePosition: 'x00209113',
} as const;

const item = (ds: DataSet | undefined, tag: string, n = 0): DataSet | undefined => ds?.elements[tag]?.items?.[n]?.dataSet;

/**
 * A DICOM SEG on the image grid: each frame's plane is located by its position and orientation and
 * its pixels are pulled onto the image slice it lies on (directly when the grids match, else nearest
 * neighbour). Segment numbers become label values, segment labels their names. FRACTIONAL segmentations
 * are probability masks: inside where value / MaximumFractionalValue > threshold (default 0.5).
 */
export function readDicomSeg(f: DicomFile, image: Geometry, threshold?: number): MaskVolume {
  const ds = f.ds;
  const rows = ds.uint16(TAG.rows) ?? 0;
  const cols = ds.uint16(TAG.columns) ?? 0;
  const frames = num(ds, TAG.frames) ?? 1;
  const type = ds.string(SEG.type)?.trim() ?? 'BINARY';
  const bits = ds.uint16(TAG.bitsAllocated) ?? 1;
  const pixel = ds.elements[TAG.pixelData];
  if (!rows || !cols || !pixel) throw new AppError('IMAGE_UNREADABLE', `${f.name}: DICOM SEG 缺少像素数据 / DICOM SEG without pixel data`, { field: 'mask' });
  const frameBits = rows * cols * (type === 'FRACTIONAL' ? 8 : bits);
  if (pixel.length * 8 < frameBits * frames) throw new AppError('IMAGE_UNREADABLE', `${f.name}: DICOM SEG 像素数据不完整 / truncated SEG pixel data`, { field: 'mask' });
  const maxFrac = ds.uint16(SEG.maxFractional) ?? 255;
  const t = type === 'FRACTIONAL' ? (threshold ?? 0.5) : null;
  const names = new Map<number, string>();
  for (const it of ds.elements[SEG.segments]?.items ?? []) {
    const n = it.dataSet?.uint16(SEG.segmentNumber);
    if (n) names.set(n, (it.dataSet && text(it.dataSet, SEG.segmentLabel, ds)) ?? `segment ${n}`);
  }
  const shared = item(ds, SEG.shared);
  const out = new Uint8Array(voxelCount(image));
  const [nx, ny, nz] = image.dims;
  const bytes = ds.byteArray;
  let placed = 0;
  let offGrid = 0;
  let overlaps = 0;
  for (let fr = 0; fr < frames; fr++) {
    const pf = item(ds, SEG.perFrame, fr);
    const segNo = item(pf, SEG.segmentId)?.uint16(SEG.refSegment) ?? item(shared, SEG.segmentId)?.uint16(SEG.refSegment) ?? 1;
    const pos = nums(item(pf, SEG.planePosition) ?? ({ elements: {} } as DataSet), TAG.position, 3);
    const iop = nums(item(pf, SEG.planeOrientation) ?? item(shared, SEG.planeOrientation) ?? ({ elements: {} } as DataSet), TAG.orientation, 6);
    const ps = nums(item(pf, SEG.pixelMeasures) ?? item(shared, SEG.pixelMeasures) ?? ({ elements: {} } as DataSet), TAG.pixelSpacing, 2);
    if (!pos || !iop || !ps) throw new AppError('IMAGE_GEOMETRY_INVALID', `${f.name}: 第 ${fr + 1} 帧缺少位置/方向/像素间距 / frame ${fr + 1} lacks plane position, orientation or pixel spacing`, { field: 'mask' });
    const frameGeom: Geometry = {
      dims: [cols, rows, 1],
      spacing: [ps[1], ps[0], 1],
      origin: [pos[0], pos[1], pos[2]],
      direction: [iop[0], iop[1], iop[2], iop[3], iop[4], iop[5], iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5], iop[0] * iop[4] - iop[1] * iop[3]],
    };
    const base = fr * rows * cols;
    const at = (p: number): boolean => {
      if (type === 'FRACTIONAL') return bytes[pixel.dataOffset + base + p] / maxFrac > (t as number);
      if (bits === 8) return bytes[pixel.dataOffset + base + p] !== 0;
      const bit = base + p;
      return ((bytes[pixel.dataOffset + (bit >> 3)] >> (bit & 7)) & 1) === 1;
    };
    // Where the frame's first pixel and its row/column steps land in image indices.
    const o = worldToIndex(image, frameGeom.origin);
    const e1 = worldToIndex(image, indexToWorld(frameGeom, 1, 0, 0));
    const e2 = worldToIndex(image, indexToWorld(frameGeom, 0, 1, 0));
    const di = [e1[0] - o[0], e1[1] - o[1], e1[2] - o[2]];
    const dj = [e2[0] - o[0], e2[1] - o[1], e2[2] - o[2]];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        if (!at(r * cols + c)) continue;
        const i = Math.round(o[0] + di[0] * c + dj[0] * r);
        const j = Math.round(o[1] + di[1] * c + dj[1] * r);
        const kf = o[2] + di[2] * c + dj[2] * r;
        const k = Math.round(kf);
        if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz || Math.abs(kf - k) > 0.3) {
          offGrid++;
          continue;
        }
        const idx = i + nx * (j + ny * k);
        if (out[idx] && out[idx] !== segNo) overlaps++;
        out[idx] = segNo;
        placed++;
      }
    }
  }
  if (placed === 0 && offGrid > 0) {
    throw new AppError('MASK_GEOMETRY_MISMATCH', `${f.name}: DICOM SEG 的帧不在图像范围内（参考了其他序列？）/ none of the SEG frames lies on the image grid: does it reference another series?`, { field: 'mask' });
  }
  const warnings: string[] = [];
  if (offGrid) warnings.push(`${offGrid} 个 SEG 体素落在图像网格之外 / ${offGrid} SEG voxel(s) fell outside the image grid`);
  if (overlaps) warnings.push(`段之间有 ${overlaps} 个重叠体素，后者覆盖前者 / segments overlap in ${overlaps} voxel(s): the later segment wins; measure one segment with its label`);
  return {
    geometry: image,
    labels: out,
    kind: 'dicom_seg',
    sha256: sha256Hex(f.bytes),
    fileName: f.name,
    threshold: t,
    names,
    hasGeometry: true,
    resampled: false,
    warnings,
  };
}
