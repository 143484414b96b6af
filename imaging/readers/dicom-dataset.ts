import dicomParser, { type DataSet } from 'dicom-parser';
import { AppError } from '../../core/index.ts';

/** One parsed DICOM file. Text values are decoded per Specific Character Set (dicom-parser's string() is Latin-1). */
export interface DicomFile {
  name: string;
  ds: DataSet;
  bytes: Uint8Array;
}

/** Uncompressed transfer syntaxes: their pixel data is read directly. */
export const UNCOMPRESSED_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2': 'implicit VR little endian',
  '1.2.840.10008.1.2.1': 'explicit VR little endian',
  '1.2.840.10008.1.2.2': 'explicit VR big endian',
};

export const TAG = {
  transferSyntax: 'x00020010',
  charset: 'x00080005',
  sopClass: 'x00080016',
  sopInstance: 'x00080018',
  studyDate: 'x00080020',
  seriesDate: 'x00080021',
  acquisitionDate: 'x00080022',
  studyTime: 'x00080030',
  seriesTime: 'x00080031',
  acquisitionTime: 'x00080032',
  modality: 'x00080060',
  manufacturer: 'x00080070',
  institution: 'x00080080',
  stationName: 'x00081010',
  studyDescription: 'x00081030',
  seriesDescription: 'x0008103e',
  modelName: 'x00081090',
  contrastAgent: 'x00180010',
  bodyPart: 'x00180015',
  sliceThickness: 'x00180050',
  kvp: 'x00180060',
  spacingBetweenSlices: 'x00180088',
  dataCollectionDiameter: 'x00180090',
  protocolName: 'x00181030',
  contrastStartTime: 'x00181042',
  reconstructionDiameter: 'x00181100',
  exposureTime: 'x00181150',
  tubeCurrent: 'x00181151',
  exposure: 'x00181152',
  kernel: 'x00181210',
  pitch: 'x00189311',
  ctdiVol: 'x00189345',
  repetitionTime: 'x00180080',
  echoTime: 'x00180081',
  fieldStrength: 'x00180087',
  studyUid: 'x0020000d',
  seriesUid: 'x0020000e',
  seriesNumber: 'x00200011',
  instanceNumber: 'x00200013',
  position: 'x00200032',
  orientation: 'x00200037',
  frameOfReference: 'x00200052',
  samplesPerPixel: 'x00280002',
  photometric: 'x00280004',
  frames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  pixelSpacing: 'x00280030',
  bitsAllocated: 'x00280100',
  bitsStored: 'x00280101',
  pixelRepresentation: 'x00280103',
  windowCenter: 'x00281050',
  windowWidth: 'x00281051',
  rescaleIntercept: 'x00281052',
  rescaleSlope: 'x00281053',
  pixelData: 'x7fe00010',
} as const;

/** Parse one file; `headerOnly` stops before the pixel data (protocol QC reads headers of whole studies). */
export function parseDicomFile(name: string, bytes: Uint8Array, headerOnly = false): DicomFile {
  try {
    const ds = dicomParser.parseDicom(bytes, headerOnly ? { untilTag: TAG.pixelData } : undefined);
    return { name, ds, bytes };
  } catch (e) {
    const msg = typeof e === 'string' ? e : ((e as { exception?: string }).exception ?? (e as Error).message ?? String(e));
    throw new AppError('IMAGE_UNREADABLE', `${name} 不是可读的 DICOM 文件 / ${name} is not a readable DICOM file (${String(msg).slice(0, 160)})`, { field: 'file' });
  }
}

/** Does this look like a DICOM Part-10 file ("DICM" at byte 128)? Files without the preamble are tried anyway. */
export const hasDicomPreamble = (b: Uint8Array) => b.length > 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;

const decoders = new Map<string, TextDecoder>();
function decoderFor(charset: string | undefined): TextDecoder {
  const cs = (charset ?? '').split('\\').map((s) => s.trim().toUpperCase()).filter(Boolean);
  let label = 'latin1';
  if (cs.some((c) => c === 'ISO_IR 192')) label = 'utf-8';
  else if (cs.some((c) => c === 'GB18030' || c === 'GBK' || c === 'ISO 2022 IR 58')) label = 'gb18030';
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label);
    decoders.set(label, d);
  }
  return d;
}

/**
 * A text value decoded per (0008,0005) (UTF-8, GB18030/GBK, else Latin-1), trimmed; null when absent or
 * empty. Sequence items inherit the character set of the file: pass the file's dataset as `root`.
 */
export function text(ds: DataSet, tag: string, root: DataSet = ds): string | null {
  const el = ds.elements[tag];
  if (!el?.length) return null;
  const raw = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
  const s = decoderFor(root.string(TAG.charset)).decode(raw).replace(/[\0\s]+$/u, '').trim();
  return s || null;
}

/** A numeric string value (DS/IS), the n-th of a multi-valued element; null when absent or not a number. */
export function num(ds: DataSet, tag: string, index = 0): number | null {
  const s = ds.string(tag, index);
  if (s === undefined || s.trim() === '') return null;
  const v = Number(s.trim());
  return Number.isFinite(v) ? v : null;
}

/** All values of a multi-valued numeric string (e.g. ImageOrientationPatient); null when absent or malformed. */
export function nums(ds: DataSet, tag: string, count: number): number[] | null {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = num(ds, tag, i);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

/** A binary numeric value (US/FD/…) by VR, or null. */
export function binary(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (!el?.length) return null;
  const vr = el.vr;
  if (vr === 'FD' || (!vr && el.length === 8)) return ds.double(tag) ?? null;
  if (vr === 'FL') return ds.float(tag) ?? null;
  if (vr === 'UL') return ds.uint32(tag) ?? null;
  if (vr === 'SS') return ds.int16(tag) ?? null;
  if (vr === 'DS' || vr === 'IS') return num(ds, tag);
  return ds.uint16(tag) ?? null;
}
