import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../core/index.ts';
import { labelsFromData, type MaskVolume } from './mask.ts';
import { hasDicomPreamble, parseDicomFile, TAG } from './readers/dicom-dataset.ts';
import { readDicomSeg } from './readers/dicom-seg.ts';
import { type NamedBytes, readDicomSeries } from './readers/dicom-series.ts';
import { checkSize, DEFAULT_LIMITS, isGzip, type ReadLimits } from './readers/limits.ts';
import { readNifti } from './readers/nifti.ts';
import { readRtstruct } from './readers/rtstruct.ts';
import type { Geometry, Modality, Volume } from './volume.ts';

export type { NamedBytes };

/** NIfTI by name, by gzip, or by the NIfTI-1 magic ("n+1"/"ni1" at byte 344). */
const looksNifti = (f: NamedBytes) =>
  /\.nii(\.gz)?$/i.test(f.name) || isGzip(f.bytes) || (f.bytes.length > 348 && f.bytes[344] === 0x6e && (f.bytes[345] === 0x2b || f.bytes[345] === 0x69) && f.bytes[346] === 0x31);

/** An image from uploaded or read files: one NIfTI file, or the files of one DICOM series. */
export function loadImage(files: NamedBytes[], opts: { limits?: ReadLimits; modality?: Modality } = {}): Volume {
  if (files.length === 0) throw new AppError('VALIDATION_FAILED', '缺少图像文件 / no image file given', { field: 'image' });
  const limits = opts.limits ?? DEFAULT_LIMITS;
  if (files.length === 1 && looksNifti(files[0]) && !hasDicomPreamble(files[0].bytes)) return readNifti(files[0].bytes, { fileName: files[0].name, limits, modality: opts.modality });
  const v = readDicomSeries(files, limits);
  if (opts.modality && v.modality !== opts.modality) v.warnings.push(`DICOM 头模态为 ${v.modality}，忽略指定的 ${opts.modality} / the DICOM header says ${v.modality}; the given modality ${opts.modality} is ignored`);
  return v;
}

/** A mask for an image: NIfTI labels or probabilities, a DICOM SEG, or an RTSTRUCT (the last two need the image grid). */
export function loadMask(file: NamedBytes, image: Geometry, opts: { limits?: ReadLimits; threshold?: number } = {}): MaskVolume {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  if (opts.threshold !== undefined && !(opts.threshold >= 0 && Number.isFinite(opts.threshold))) {
    throw new AppError('VALIDATION_FAILED', `阈值 ${opts.threshold} 无效 / invalid threshold ${opts.threshold}`, { field: 'threshold' });
  }
  if (looksNifti(file) && !hasDicomPreamble(file.bytes)) {
    const v = readNifti(file.bytes, { fileName: file.name, limits, modality: 'OT' });
    const { labels, kind, threshold } = labelsFromData(v.data, opts.threshold);
    const hasGeometry = Number(v.meta.qformCode) > 0 || Number(v.meta.sformCode) > 0;
    return { geometry: v.geometry, labels, kind, sha256: v.source.sha256, fileName: file.name, threshold, names: new Map(), hasGeometry, resampled: false, warnings: [] };
  }
  checkSize(file.bytes.byteLength, file.name, limits);
  const f = parseDicomFile(file.name, file.bytes);
  const modality = f.ds.string(TAG.modality)?.trim();
  if (modality === 'SEG') return readDicomSeg(f, image, opts.threshold);
  if (modality === 'RTSTRUCT') return readRtstruct(f, image);
  throw new AppError('UNSUPPORTED_FILE_TYPE', `${file.name} 不是掩膜（模态 ${modality ?? '无'}）：支持 NIfTI、DICOM SEG、RTSTRUCT / ${file.name} is not a mask (modality ${modality ?? 'none'}): NIfTI, DICOM SEG or RTSTRUCT`, { field: 'mask' });
}

/**
 * Read a file, or every file under a directory, refusing before reading anything when the total size is
 * over the imaging limit (a 2 GB file is never pulled into memory).
 */
export function readPath(p: string, limits: ReadLimits = DEFAULT_LIMITS): NamedBytes[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(p);
  } catch {
    throw new AppError('NOT_FOUND', `找不到 ${p} / no such file or directory: ${p}`, { field: 'path' });
  }
  const files: string[] = [];
  if (st.isDirectory()) {
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (e.isFile() && !e.name.startsWith('.')) files.push(full);
      }
    };
    walk(p);
    if (!files.length) throw new AppError('VALIDATION_FAILED', `${p} 是空目录 / ${p} is an empty directory`, { field: 'path' });
  } else files.push(p);
  let total = 0;
  for (const f of files) total += statSync(f).size;
  checkSize(total, path.basename(p), limits);
  return files.map((f) => ({ name: st.isDirectory() ? path.relative(p, f) : path.basename(f), bytes: readFileSync(f) }));
}
