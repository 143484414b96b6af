import { gzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { AppError, sha256Hex } from '../../core/index.ts';
import type { Geometry, Modality, Vec3, Volume, VoxelArray } from '../volume.ts';
import { checkSize, DEFAULT_LIMITS, gunzipLimited, isGzip, type ReadLimits } from './limits.ts';

/** NIfTI datatype codes we read, with their typed-array constructors. */
const TYPES: Record<number, { bytes: number; make: (buf: ArrayBuffer, off: number, n: number) => VoxelArray; name: string }> = {
  2: { bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n), name: 'uint8' },
  4: { bytes: 2, make: (b, o, n) => new Int16Array(b, o, n), name: 'int16' },
  8: { bytes: 4, make: (b, o, n) => new Int32Array(b, o, n), name: 'int32' },
  16: { bytes: 4, make: (b, o, n) => new Float32Array(b, o, n), name: 'float32' },
  64: { bytes: 8, make: (b, o, n) => new Float64Array(b, o, n), name: 'float64' },
  256: { bytes: 1, make: (b, o, n) => new Int8Array(b, o, n), name: 'int8' },
  512: { bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n), name: 'uint16' },
  768: { bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n), name: 'uint32' },
};

export interface NiftiReadOptions {
  fileName: string;
  limits?: ReadLimits;
  /** The caller's modality (NIfTI carries none); unset → inferred from the intensity range (air at ≤ −500 means CT). */
  modality?: Modality;
}

/**
 * Read a .nii or .nii.gz file into a Volume (LPS geometry, scl_slope/inter applied). Refuses, naming
 * the problem: corrupt gzip, not NIfTI, 4-D data, unsupported datatypes, missing spacing, truncated data.
 */
export function readNifti(bytes: Uint8Array, opts: NiftiReadOptions): Volume {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const what = opts.fileName;
  checkSize(bytes.byteLength, what, limits);
  const sha256 = sha256Hex(bytes);
  const raw = isGzip(bytes) ? gunzipLimited(bytes, what, limits) : bytes;
  const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  if (!nifti.isNIFTI(ab)) throw new AppError('IMAGE_UNREADABLE', `${what} 不是 NIfTI 文件 / ${what} is not a NIfTI-1/2 file`, { field: 'file' });
  let h: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    h = nifti.readHeader(ab);
  } catch (e) {
    throw new AppError('IMAGE_UNREADABLE', `${what} 的 NIfTI 头无法解析 / ${what}: unreadable NIfTI header (${(e as Error).message})`, { field: 'file' });
  }
  const nd = h.dims[0];
  const dims: Vec3 = [h.dims[1], h.dims[2], nd >= 3 ? h.dims[3] : 1];
  if (nd > 3 && h.dims.slice(4, nd + 1).some((d) => d > 1)) {
    throw new AppError('IMAGE_UNREADABLE', `${what} 是 ${nd} 维数据，仅支持三维 / ${what} has ${nd} dimensions (${h.dims.slice(1, nd + 1).join('×')}); only 3-D volumes are measured`, { field: 'file' });
  }
  if (dims.some((d) => !(d >= 1))) throw new AppError('IMAGE_UNREADABLE', `${what} 的维度无效 / ${what}: invalid dimensions ${dims.join('×')}`, { field: 'file' });
  const type = TYPES[h.datatypeCode];
  if (!type) throw new AppError('IMAGE_UNREADABLE', `${what} 的数据类型 ${h.datatypeCode} 不受支持 / ${what}: NIfTI datatype ${h.datatypeCode} is not supported (integer or float scalars only)`, { field: 'file' });
  const n = dims[0] * dims[1] * dims[2];
  const offset = Math.max(0, Math.round(h.vox_offset));
  if (offset + n * type.bytes > ab.byteLength) {
    throw new AppError('IMAGE_UNREADABLE', `${what} 的像素数据不完整 / ${what}: truncated pixel data (${ab.byteLength - offset} of ${n * type.bytes} bytes)`, { field: 'file' });
  }
  const geometry = niftiGeometry(h, dims, what);
  let data = typedView(ab, offset, n, type);
  if (!h.littleEndian && type.bytes > 1) data = swapped(data, type.bytes);
  data = applyScaling(data, h.scl_slope, h.scl_inter);
  const warnings: string[] = [];
  if (h.qform_code < 1 && h.sform_code < 1) warnings.push('NIfTI 头无方向信息，按体素间距与单位方向处理 / NIfTI header has no qform/sform: identity orientation assumed');
  const { modality, modalitySource } = pickModality(data, opts.modality);
  if (modalitySource === 'inferred') warnings.push(`模态由强度范围推断为 ${modality} / modality inferred as ${modality} from the intensity range (pass modality to set it)`);
  return {
    geometry,
    data,
    modality,
    modalitySource,
    source: { kind: 'nifti', sha256, fileName: opts.fileName },
    meta: { datatype: type.name, description: h.description?.trim() || null, qformCode: h.qform_code, sformCode: h.sform_code },
    warnings,
  };
}

function typedView(ab: ArrayBuffer, offset: number, n: number, type: (typeof TYPES)[number]): VoxelArray {
  if (offset % type.bytes === 0) return type.make(ab, offset, n);
  return type.make(ab.slice(offset, offset + n * type.bytes), 0, n);
}

function swapped(data: VoxelArray, bytes: number): VoxelArray {
  const u8 = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const copy = new Uint8Array(u8.length);
  for (let i = 0; i < u8.length; i += bytes) for (let b = 0; b < bytes; b++) copy[i + b] = u8[i + bytes - 1 - b];
  const C = data.constructor as new (buf: ArrayBuffer) => VoxelArray;
  return new C(copy.buffer);
}

/** Apply scl_slope/scl_inter (slope 0 means "not set"); integral results that fit stay Int16. */
function applyScaling(data: VoxelArray, slope: number, inter: number): VoxelArray {
  if (!slope || (slope === 1 && !inter) || !Number.isFinite(slope) || !Number.isFinite(inter)) return data;
  const integral = Number.isInteger(slope) && Number.isInteger(inter);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const a = lo * slope + inter;
  const b = hi * slope + inter;
  const out = integral && Math.min(a, b) >= -32768 && Math.max(a, b) <= 32767 ? new Int16Array(data.length) : new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] * slope + inter;
  return out;
}

/** LPS geometry from the header's affine (RAS): spacing from column norms, direction from normalised columns. */
function niftiGeometry(h: nifti.NIFTI1 | nifti.NIFTI2, dims: Vec3, what: string): Geometry {
  const A = h.affine;
  const ras2lps = [-1, -1, 1];
  const spacing: Vec3 = [0, 0, 0];
  const direction = [0, 0, 0, 0, 0, 0, 0, 0, 0] as Geometry['direction'];
  for (let c = 0; c < 3; c++) {
    const col = [A[0][c] * ras2lps[0], A[1][c] * ras2lps[1], A[2][c] * ras2lps[2]];
    const norm = Math.hypot(col[0], col[1], col[2]);
    spacing[c] = norm;
    for (let r = 0; r < 3; r++) direction[c * 3 + r] = norm > 0 ? col[r] / norm : 0;
  }
  if (spacing.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new AppError('IMAGE_GEOMETRY_INVALID', `${what} 缺少体素间距 / ${what}: missing voxel spacing (pixdim ${h.pixDims.slice(1, 4).join(', ')}) — volumes and diameters cannot be measured without it`, { field: 'file' });
  }
  const origin: Vec3 = [A[0][3] * -1, A[1][3] * -1, A[2][3]];
  return { dims, spacing, origin, direction };
}

function pickModality(data: VoxelArray, given?: Modality): { modality: Modality; modalitySource: Volume['modalitySource'] } {
  if (given) return { modality: given, modalitySource: 'option' };
  // CT always shows air (≈ −1000 HU) in its field of view and nothing below about −1100; MR and PET are never negative.
  let lo = Infinity;
  let hi = -Infinity;
  const step = Math.max(1, Math.floor(data.length / 2_000_000));
  for (let i = 0; i < data.length; i += step) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo <= -500 && lo >= -3100 && hi <= 32767) return { modality: 'CT', modalitySource: 'inferred' };
  return { modality: 'unknown', modalitySource: 'unknown' };
}

export interface NiftiWriteInput {
  geometry: Geometry;
  data: VoxelArray;
  description?: string;
  gzip?: boolean;
}

const DATATYPE_OF: Array<[new (n: number) => VoxelArray, number, number]> = [
  [Uint8Array, 2, 8], [Int16Array, 4, 16], [Int32Array, 8, 32], [Float32Array, 16, 32], [Float64Array, 64, 64], [Int8Array, 256, 8], [Uint16Array, 512, 16], [Uint32Array, 768, 32],
];

/**
 * Write a single-file NIfTI-1 (.nii, or .nii.gz with `gzip`) with matching sform and qform. nifti-reader-js
 * only reads, and no maintained npm package writes NIfTI from typed arrays, so the 348-byte header is written here.
 */
export function writeNifti(input: NiftiWriteInput): Buffer {
  const { geometry: g, data } = input;
  const dt = DATATYPE_OF.find(([C]) => data instanceof C);
  if (!dt) throw new Error('unsupported typed array for NIfTI');
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  header.writeInt16LE(3, 40);
  for (let n = 0; n < 3; n++) header.writeInt16LE(g.dims[n], 42 + n * 2);
  for (let n = 4; n < 8; n++) header.writeInt16LE(1, 40 + n * 2);
  header.writeInt16LE(dt[1], 70);
  header.writeInt16LE(dt[2], 72);
  // RAS affine columns = LPS columns with x and y negated.
  const cols = [0, 1, 2].map((c) => [-g.direction[c * 3] * g.spacing[c], -g.direction[c * 3 + 1] * g.spacing[c], g.direction[c * 3 + 2] * g.spacing[c]]);
  const t = [-g.origin[0], -g.origin[1], g.origin[2]];
  const R = [0, 1, 2].map((c) => [cols[c][0] / g.spacing[c], cols[c][1] / g.spacing[c], cols[c][2] / g.spacing[c]]);
  const det = R[0][0] * (R[1][1] * R[2][2] - R[2][1] * R[1][2]) - R[1][0] * (R[0][1] * R[2][2] - R[2][1] * R[0][2]) + R[2][0] * (R[0][1] * R[1][2] - R[1][1] * R[0][2]);
  const qfac = det < 0 ? -1 : 1;
  header.writeFloatLE(qfac, 76);
  for (let n = 0; n < 3; n++) header.writeFloatLE(g.spacing[n], 80 + n * 4);
  header.writeFloatLE(352, 108);
  header.writeFloatLE(1, 112);
  header.writeFloatLE(0, 116);
  header.writeUInt8(2 | 8, 123); // xyzt_units: mm, s
  header.write((input.description ?? '').slice(0, 79), 148, 'latin1');
  header.writeInt16LE(1, 252); // qform_code: scanner
  header.writeInt16LE(1, 254); // sform_code: scanner
  // Quaternion of the rotation (third column flipped by qfac), per nifti1_io's mat44_to_quatern.
  const r = [[R[0][0], R[1][0], R[2][0] * qfac], [R[0][1], R[1][1], R[2][1] * qfac], [R[0][2], R[1][2], R[2][2] * qfac]];
  const [b, c, d] = quaternion(r);
  header.writeFloatLE(b, 256);
  header.writeFloatLE(c, 260);
  header.writeFloatLE(d, 264);
  for (let n = 0; n < 3; n++) header.writeFloatLE(t[n], 268 + n * 4);
  for (let row = 0; row < 3; row++) {
    for (let col = 0; col < 3; col++) header.writeFloatLE(cols[col][row], 280 + (row * 4 + col) * 4);
    header.writeFloatLE(t[row], 280 + (row * 4 + 3) * 4);
  }
  header.write('n+1\0', 344, 'latin1');
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const file = Buffer.concat([header, body]);
  return input.gzip ? gzipSync(file, { level: 1 }) : file;
}

/** (b, c, d) of the unit quaternion of a proper rotation matrix r (rows), with a ≥ 0. */
function quaternion(r: number[][]): [number, number, number] {
  const tr = r[0][0] + r[1][1] + r[2][2] + 1;
  let a: number;
  let b: number;
  let c: number;
  let d: number;
  if (tr > 0.5) {
    a = 0.5 * Math.sqrt(tr);
    b = (0.25 * (r[2][1] - r[1][2])) / a;
    c = (0.25 * (r[0][2] - r[2][0])) / a;
    d = (0.25 * (r[1][0] - r[0][1])) / a;
  } else {
    const xd = 1 + r[0][0] - (r[1][1] + r[2][2]);
    const yd = 1 + r[1][1] - (r[0][0] + r[2][2]);
    const zd = 1 + r[2][2] - (r[0][0] + r[1][1]);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r[0][1] + r[1][0])) / b;
      d = (0.25 * (r[0][2] + r[2][0])) / b;
      a = (0.25 * (r[2][1] - r[1][2])) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r[0][1] + r[1][0])) / c;
      d = (0.25 * (r[1][2] + r[2][1])) / c;
      a = (0.25 * (r[0][2] - r[2][0])) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r[0][2] + r[2][0])) / d;
      c = (0.25 * (r[1][2] + r[2][1])) / d;
      a = (0.25 * (r[1][0] - r[0][1])) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return [b, c, d];
}
