import { createHash } from 'node:crypto';
import { AppError } from '../../core/index.ts';
import type { Geometry, Modality, Vec3, Volume } from '../volume.ts';
import { DECODED_SYNTAXES, decodeFrame } from './dicom-codecs.ts';
import { binary, type DicomFile, num, nums, parseDicomFile, TAG, text, UNCOMPRESSED_SYNTAXES } from './dicom-dataset.ts';
import { checkSize, DEFAULT_LIMITS, type ReadLimits } from './limits.ts';

export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Modalities that hold masks or documents, not images: never part of an image series. */
const NON_IMAGE = new Set(['SEG', 'RTSTRUCT', 'SR', 'PR', 'KO', 'RTPLAN', 'RTDOSE', 'REG']);

interface Slice {
  file: DicomFile;
  position: Vec3;
  slope: number;
  intercept: number;
}

/**
 * Parse a set of files and keep the image objects (SEG/RTSTRUCT/SR and non-DICOM files such as DICOMDIR are
 * set aside): `images` by series UID, `others` for masks the caller may want.
 */
export function parseDicomFiles(files: NamedBytes[], limits: ReadLimits = DEFAULT_LIMITS, headerOnly = false): { images: Map<string, DicomFile[]>; others: DicomFile[]; skipped: string[] } {
  let total = 0;
  const images = new Map<string, DicomFile[]>();
  const others: DicomFile[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    total += f.bytes.byteLength;
    checkSize(total, files.length > 1 ? `DICOM 序列 (${files.length} files)` : f.name, limits);
    if (/(^|\/)DICOMDIR$/i.test(f.name)) {
      skipped.push(f.name);
      continue;
    }
    let parsed: DicomFile;
    try {
      parsed = parseDicomFile(f.name, f.bytes, headerOnly);
    } catch (e) {
      if (files.length === 1) throw e;
      skipped.push(f.name);
      continue;
    }
    const modality = parsed.ds.string(TAG.modality)?.trim() ?? '';
    if (NON_IMAGE.has(modality)) {
      others.push(parsed);
      continue;
    }
    const uid = parsed.ds.string(TAG.seriesUid)?.trim() || '(no SeriesInstanceUID)';
    let list = images.get(uid);
    if (!list) {
      list = [];
      images.set(uid, list);
    }
    list.push(parsed);
  }
  return { images, others, skipped };
}

/**
 * Read one CT/MR series into a Volume: slices sorted along the normal of ImageOrientationPatient,
 * spacing between slices from ImagePositionPatient (never the thickness tag), rescale slope/intercept
 * applied per slice. Refused with a named reason: more than one series, two orientations or matrix sizes,
 * duplicate or unevenly spaced positions, missing spacing, compressed or multi-frame pixel data.
 */
export function readDicomSeries(files: NamedBytes[], limits: ReadLimits = DEFAULT_LIMITS): Volume {
  const { images, skipped } = parseDicomFiles(files, limits);
  if (images.size === 0) {
    throw new AppError('IMAGE_UNREADABLE', `没有找到 DICOM 图像 / no DICOM image among ${files.length} file(s)${skipped.length ? ` (not DICOM: ${skipped.slice(0, 3).join(', ')})` : ''}`, { field: 'file' });
  }
  if (images.size > 1) {
    const list = [...images.entries()].map(([uid, fs]) => `${uid} (${fs.length} files${text(fs[0].ds, TAG.seriesDescription) ? `, ${text(fs[0].ds, TAG.seriesDescription)}` : ''})`);
    throw new AppError('SERIES_MIXED', `文件属于 ${images.size} 个序列，请只选择一个 / the files belong to ${images.size} series: ${list.join('; ')} — choose one`, { field: 'file', details: { series: [...images.keys()] } });
  }
  const [[seriesUid, list]] = [...images.entries()];
  return volumeFromParsed(seriesUid, list, skipped);
}

/** One series' parsed files into a Volume (the checks of readDicomSeries); protocol QC reuses the parsed headers. */
export function volumeFromParsed(seriesUid: string, files: DicomFile[], skipped: string[] = []): Volume {
  const first = files[0].ds;
  const warnings: string[] = skipped.length ? [`跳过非 DICOM 文件 ${skipped.length} 个 / skipped ${skipped.length} non-DICOM file(s)`] : [];
  for (const f of files) {
    const syntax = f.ds.string(TAG.transferSyntax)?.trim() ?? '1.2.840.10008.1.2';
    if (!UNCOMPRESSED_SYNTAXES[syntax] && !DECODED_SYNTAXES[syntax]) {
      throw new AppError('IMAGE_UNREADABLE', `${f.name} 使用不支持的压缩传输语法 ${syntax}，请导出为未压缩或 JPEG 无损 / RLE DICOM / ${f.name}: transfer syntax ${syntax} is not supported (JPEG-LS, JPEG 2000 and lossy JPEG are not read); export uncompressed, JPEG Lossless or RLE`, { field: 'file' });
    }
    if ((num(f.ds, TAG.frames) ?? 1) > 1) throw new AppError('IMAGE_UNREADABLE', `${f.name} 是多帧对象 / ${f.name}: multi-frame (enhanced) images are not supported; export one slice per file`, { field: 'file' });
    if ((f.ds.uint16(TAG.samplesPerPixel) ?? 1) !== 1) throw new AppError('IMAGE_UNREADABLE', `${f.name} 不是灰度图像 / ${f.name}: colour images cannot be measured`, { field: 'file' });
  }
  const rows = first.uint16(TAG.rows);
  const cols = first.uint16(TAG.columns);
  if (!rows || !cols) throw new AppError('IMAGE_UNREADABLE', `${files[0].name} 缺少行/列 / ${files[0].name}: missing Rows/Columns`, { field: 'file' });
  const iop = orientationOf(files[0]);
  for (const f of files) {
    if (f.ds.uint16(TAG.rows) !== rows || f.ds.uint16(TAG.columns) !== cols) {
      throw new AppError('SERIES_MIXED', `序列内矩阵大小不一致 / matrix size differs within the series: ${files[0].name} is ${cols}×${rows}, ${f.name} is ${f.ds.uint16(TAG.columns)}×${f.ds.uint16(TAG.rows)}`, { field: 'file' });
    }
    const o = orientationOf(f);
    if (o.some((v, n) => Math.abs(v - iop[n]) > 1e-3)) {
      throw new AppError('SERIES_MIXED', `序列内有两种方向（如轴位与冠状位混合）/ the series has two different orientations: ${files[0].name} [${iop.map(fmt).join('\\')}] vs ${f.name} [${o.map(fmt).join('\\')}]`, { field: 'file' });
    }
  }
  const spacingRC = nums(first, TAG.pixelSpacing, 2) ?? nums(first, 'x00181164', 2);
  if (!spacingRC || !(spacingRC[0] > 0 && spacingRC[1] > 0)) {
    throw new AppError('IMAGE_GEOMETRY_INVALID', `${files[0].name} 缺少像素间距 (0028,0030) / ${files[0].name}: missing Pixel Spacing (0028,0030): volumes and diameters cannot be measured`, { field: 'file' });
  }
  if (!nums(first, TAG.pixelSpacing, 2)) warnings.push('使用 ImagerPixelSpacing 代替 PixelSpacing / ImagerPixelSpacing used: no PixelSpacing');
  const rowDir: Vec3 = [iop[0], iop[1], iop[2]];
  const colDir: Vec3 = [iop[3], iop[4], iop[5]];
  const normal = cross(rowDir, colDir);
  const slices: Slice[] = files.map((f) => {
    const p = nums(f.ds, TAG.position, 3);
    if (!p) throw new AppError('IMAGE_GEOMETRY_INVALID', `${f.name} 缺少 ImagePositionPatient / ${f.name}: missing Image Position (Patient) (0020,0032)`, { field: 'file' });
    return { file: f, position: p as Vec3, slope: num(f.ds, TAG.rescaleSlope) ?? 1, intercept: num(f.ds, TAG.rescaleIntercept) ?? 0 };
  });
  const along = (s: Slice) => dot(s.position, normal);
  slices.sort((a, b) => along(a) - along(b));
  let sliceSpacing: number;
  if (slices.length === 1) {
    sliceSpacing = num(first, TAG.spacingBetweenSlices) ?? num(first, TAG.sliceThickness) ?? 0;
    if (!(sliceSpacing > 0)) throw new AppError('IMAGE_GEOMETRY_INVALID', '单层图像缺少层厚 / a single slice without slice thickness: volume cannot be measured', { field: 'file' });
    warnings.push('只有一层：层间距取自层厚标签 / single slice: slice spacing taken from the thickness tag');
  } else {
    const gaps: number[] = [];
    for (let n = 1; n < slices.length; n++) gaps.push(along(slices[n]) - along(slices[n - 1]));
    const dup = gaps.findIndex((g) => g < 1e-3);
    if (dup >= 0) {
      throw new AppError('SERIES_MIXED', `两个文件位于同一层位置（重复采集？）/ two files at the same slice position (${slices[dup].file.name}, ${slices[dup + 1].file.name}): a repeated acquisition mixed into the series`, { field: 'file' });
    }
    const sorted = [...gaps].sort((a, b) => a - b);
    sliceSpacing = sorted[Math.floor(sorted.length / 2)];
    const worst = gaps.reduce((w, g) => (Math.abs(g - sliceSpacing) > Math.abs(w - sliceSpacing) ? g : w), sliceSpacing);
    if (Math.abs(worst - sliceSpacing) > 0.01 * sliceSpacing + 0.01) {
      throw new AppError('IMAGE_GEOMETRY_INVALID', `层间距不均匀（${fmt(worst)} mm 与 ${fmt(sliceSpacing)} mm），可能缺层 / uneven slice spacing (${fmt(worst)} mm vs ${fmt(sliceSpacing)} mm): missing slices or a mixed series`, { field: 'file' });
    }
    // Positions must lie on the normal through the first slice (a tilted gantry shears the stack).
    const off = slices.map((s) => sub(s.position, scale(normal, along(s) - along(slices[0]))));
    if (off.some((p) => Math.hypot(p[0] - off[0][0], p[1] - off[0][1], p[2] - off[0][2]) > 0.01 * Math.min(spacingRC[0], spacingRC[1]) + 0.01)) {
      warnings.push('层位置偏离法线（机架倾斜？）未校正 / slice positions are sheared (gantry tilt?): not corrected');
    }
  }
  const geometry: Geometry = {
    dims: [cols, rows, slices.length],
    // Pixel Spacing is (row spacing, column spacing): i advances along a row, i.e. by the column spacing.
    spacing: [spacingRC[1], spacingRC[0], sliceSpacing],
    origin: slices[0].position,
    direction: [...rowDir, ...colDir, ...normal] as Geometry['direction'],
  };
  const { data, hash } = readPixels(slices, cols * rows);
  const modality = (first.string(TAG.modality)?.trim() || 'OT') as string;
  return {
    geometry,
    data,
    modality: (['CT', 'MR', 'PT', 'US'].includes(modality) ? modality : 'OT') as Modality,
    modalitySource: 'header',
    source: {
      kind: 'dicom',
      seriesInstanceUid: seriesUid,
      studyInstanceUid: first.string(TAG.studyUid)?.trim() || null,
      sopInstanceUids: slices.map((s) => s.file.ds.string(TAG.sopInstance)?.trim() ?? ''),
      sha256: hash,
    },
    meta: seriesMeta(first),
    warnings,
  };
}

/** Non-identifying series facts for provenance and display (no patient name, id or birth date). */
export function seriesMeta(ds: DicomFile['ds']): Record<string, string | number | null> {
  return {
    seriesDescription: text(ds, TAG.seriesDescription),
    protocolName: text(ds, TAG.protocolName),
    bodyPart: text(ds, TAG.bodyPart),
    manufacturer: text(ds, TAG.manufacturer),
    model: text(ds, TAG.modelName),
    kernel: text(ds, TAG.kernel),
    sliceThickness: num(ds, TAG.sliceThickness),
    kvp: num(ds, TAG.kvp),
    ctdiVol: binary(ds, TAG.ctdiVol),
    contrastAgent: text(ds, TAG.contrastAgent),
    seriesNumber: num(ds, TAG.seriesNumber),
    seriesDate: text(ds, TAG.seriesDate),
    windowCenter: num(ds, TAG.windowCenter),
    windowWidth: num(ds, TAG.windowWidth),
  };
}

/**
 * Pixel data of every slice into one array, hashing the files as it goes: Int16 while every rescaled value
 * is an integer in range (CT), switching to Float32 at the first value that is not (one extra copy, rare).
 */
function readPixels(slices: Slice[], perSlice: number) {
  const hash = createHash('sha256');
  const integral = slices.every((s) => Number.isInteger(s.slope) && Number.isInteger(s.intercept));
  let out: Int16Array | Float32Array = integral ? new Int16Array(perSlice * slices.length) : new Float32Array(perSlice * slices.length);
  slices.forEach((s, z) => {
    hash.update(s.file.bytes);
    const px = pixelsOf(s.file, perSlice);
    const base = z * perSlice;
    // MONOCHROME1 only inverts the display; stored values keep their meaning, so rescale still gives HU.
    if (out instanceof Int16Array) {
      if (rescaleInto16(out, base, px, s.slope, s.intercept) === perSlice) return;
      out = Float32Array.from(out);
    }
    rescaleInto(out, base, px, s.slope, s.intercept);
  });
  return { data: out, hash: hash.digest('hex') };
}

/**
 * Rescale one slice into an Int16 volume; returns how many values fit (fewer means one overflowed and the
 * caller switches to Float32). Kept in its own small function over locals so the JIT compiles a tight loop.
 */
function rescaleInto16(out: Int16Array, base: number, px: ArrayLike<number>, slope: number, intercept: number): number {
  // The common CT case (signed 16-bit, slope 1) gets a loop the JIT can specialise for one array type.
  if (px instanceof Int16Array && slope === 1) return shiftInt16(out, base, px, intercept);
  const n = px.length;
  for (let i = 0; i < n; i++) {
    const v = px[i] * slope + intercept;
    if (v < -32768 || v > 32767) return i;
    out[base + i] = v;
  }
  return n;
}

function shiftInt16(out: Int16Array, base: number, px: Int16Array, intercept: number): number {
  const n = px.length;
  for (let i = 0; i < n; i++) {
    const v = px[i] + intercept;
    if (v < -32768 || v > 32767) return i;
    out[base + i] = v;
  }
  return n;
}

function rescaleInto(out: Float32Array, base: number, px: ArrayLike<number>, slope: number, intercept: number): void {
  for (let i = 0; i < px.length; i++) out[base + i] = px[i] * slope + intercept;
}

/** The stored pixel values of one slice as a typed view (copied when unaligned or big endian). */
function pixelsOf(f: DicomFile, n: number): ArrayLike<number> {
  const el = f.ds.elements[TAG.pixelData];
  if (!el) throw new AppError('IMAGE_UNREADABLE', `${f.name} 没有像素数据 / ${f.name}: no pixel data`, { field: 'file' });
  const bits = f.ds.uint16(TAG.bitsAllocated) ?? 16;
  const signed = f.ds.uint16(TAG.pixelRepresentation) === 1;
  const bytes = bits / 8;
  if (![1, 2, 4].includes(bytes)) throw new AppError('IMAGE_UNREADABLE', `${f.name}: BitsAllocated ${bits} is not supported`, { field: 'file' });
  const syntax = f.ds.string(TAG.transferSyntax)?.trim() ?? '1.2.840.10008.1.2';
  const ba = f.ds.byteArray;
  const bigEndian = syntax === '1.2.840.10008.1.2.2';
  let buf = ba.buffer as ArrayBuffer;
  let off = ba.byteOffset + el.dataOffset;
  if (DECODED_SYNTAXES[syntax]) {
    const decoded = decodeFrame(f, syntax, n, bytes);
    buf = decoded.buffer as ArrayBuffer;
    off = decoded.byteOffset;
  } else if (el.length < n * bytes) {
    throw new AppError('IMAGE_UNREADABLE', `${f.name} 的像素数据不完整 / ${f.name}: truncated pixel data (${el.length} of ${n * bytes} bytes)`, { field: 'file' });
  } else if (off % bytes !== 0 || bigEndian) {
    const copy = new Uint8Array(n * bytes);
    copy.set(ba.subarray(el.dataOffset, el.dataOffset + n * bytes));
    if (bigEndian && bytes > 1) for (let i = 0; i < copy.length; i += bytes) copy.subarray(i, i + bytes).reverse();
    buf = copy.buffer;
    off = 0;
  }
  const bitsStored = f.ds.uint16(TAG.bitsStored) ?? bits;
  let px: Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
  if (bytes === 1) px = signed ? new Int8Array(buf, off, n) : new Uint8Array(buf, off, n);
  else if (bytes === 2) px = signed ? new Int16Array(buf, off, n) : new Uint16Array(buf, off, n);
  else px = signed ? new Int32Array(buf, off, n) : new Uint32Array(buf, off, n);
  if (bitsStored < bits && signed) {
    // Sign-extend values stored in fewer bits (e.g. 12 of 16).
    const shift = 32 - bitsStored;
    const copy = Int32Array.from(px, (v) => (v << shift) >> shift);
    return copy;
  }
  return px;
}

function orientationOf(f: DicomFile): number[] {
  const o = nums(f.ds, TAG.orientation, 6);
  if (!o) throw new AppError('IMAGE_GEOMETRY_INVALID', `${f.name} 缺少 ImageOrientationPatient / ${f.name}: missing Image Orientation (Patient) (0020,0037)`, { field: 'file' });
  const r = Math.hypot(o[0], o[1], o[2]);
  const c = Math.hypot(o[3], o[4], o[5]);
  if (Math.abs(r - 1) > 0.01 || Math.abs(c - 1) > 0.01 || Math.abs(o[0] * o[3] + o[1] * o[4] + o[2] * o[5]) > 0.01) {
    throw new AppError('IMAGE_GEOMETRY_INVALID', `${f.name} 的方向余弦无效 / ${f.name}: Image Orientation (Patient) is not two orthogonal unit vectors`, { field: 'file' });
  }
  return [o[0] / r, o[1] / r, o[2] / r, o[3] / c, o[4] / c, o[5] / c];
}

const fmt = (v: number) => String(Math.round(v * 1000) / 1000);
const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
