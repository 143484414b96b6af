import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { AppError } from '../core/index.ts';
import { loadImage } from './load.ts';

/** What an uploaded still image (teaching figure, case key image) may be: small enough to show, never a decompression bomb. */
export const FIGURE_LIMITS = { maxBytes: 8 * 1024 * 1024, maxDicomBytes: 32 * 1024 * 1024, maxSide: 4096 } as const;

export interface Figure {
  mime: 'image/png' | 'image/jpeg';
  bytes: Buffer;
  width: number;
  height: number;
  source: 'png' | 'jpeg' | 'dicom';
  sha256: string;
  /** Metadata taken out of the upload (JPEG segments; a PNG is re-encoded, so all its ancillary chunks). */
  removed: string[];
}

export interface WindowLevel {
  center: number;
  width: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const isPng = (b: Buffer) => b.length > 24 && b.subarray(0, 8).equals(PNG_SIGNATURE);
const isJpeg = (b: Buffer) => b.length > 4 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
const isDicom = (b: Buffer) => b.length > 132 && b.toString('latin1', 128, 132) === 'DICM';

const unreadable = (name: string, why: string) => new AppError('IMAGE_UNREADABLE', `图像“${name}”无法读取：${why} / figure ${name} is unreadable: ${why}`, { field: 'file' });

function checkSide(name: string, width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw unreadable(name, `尺寸无效 ${width}×${height}`);
  if (width > FIGURE_LIMITS.maxSide || height > FIGURE_LIMITS.maxSide) {
    throw new AppError('FILE_TOO_LARGE', `图像“${name}”尺寸 ${width}×${height} 超过上限 ${FIGURE_LIMITS.maxSide}×${FIGURE_LIMITS.maxSide} / figure too large`, { field: 'file' });
  }
}

/**
 * A figure from uploaded bytes, its type decided by magic bytes (never the name or the declared type):
 * PNG is decoded (the declared size is checked before decoding) and re-encoded, dropping every ancillary
 * chunk (tEXt/iTXt/zTXt/eXIf…); JPEG is rewritten without its metadata segments (cleanJpeg); a DICOM file is read by the imaging
 * capability and its slice rendered to PNG with the given window/level (or the header's, or a soft-tissue
 * window). Anything else is refused naming what it looks like.
 */
export function readFigure(bytes: Buffer, name: string, opts: { window?: WindowLevel } = {}): Figure {
  const limit = isDicom(bytes) ? FIGURE_LIMITS.maxDicomBytes : FIGURE_LIMITS.maxBytes;
  if (bytes.length > limit) throw new AppError('FILE_TOO_LARGE', `图像“${name}”${(bytes.length / 1048576).toFixed(1)} MB，超过上限 ${limit / 1048576} MB / figure too large`, { field: 'file' });
  let out: Omit<Figure, 'sha256'>;
  if (isPng(bytes)) out = readPng(bytes, name);
  else if (isJpeg(bytes)) out = { mime: 'image/jpeg', ...cleanJpeg(bytes, name), source: 'jpeg' };
  else if (isDicom(bytes)) out = renderDicom(bytes, name, opts.window);
  else {
    const head = bytes.subarray(0, 8).toString('hex');
    throw new AppError('UNSUPPORTED_FILE_TYPE', `“${name}”不是 PNG、JPEG 或 DICOM 图像（文件头 ${head}）/ not a PNG, JPEG or DICOM image (first bytes ${head})`, { field: 'file' });
  }
  return { ...out, sha256: createHash('sha256').update(out.bytes).digest('hex') };
}

function readPng(bytes: Buffer, name: string): Omit<Figure, 'sha256'> {
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') throw unreadable(name, '缺少 IHDR');
  checkSide(name, bytes.readUInt32BE(16), bytes.readUInt32BE(20));
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (e) {
    throw unreadable(name, (e as Error).message);
  }
  const clean = PNG.sync.write(png, { colorType: 6 });
  return { mime: 'image/png', bytes: clean, width: png.width, height: png.height, source: 'png', removed: ancillaryChunks(bytes) };
}

/** Markers that carry no image data but free text or embedded files: EXIF/XMP/ICC/vendor blocks (APP1–APP15) and comments. */
const isMetadataMarker = (m: number) => (m >= 0xe1 && m <= 0xef) || m === 0xfe;
const SEGMENT_NAMES = new Map<number, string>([[0xe1, 'APP1 (EXIF/XMP)'], [0xe2, 'APP2 (ICC/FlashPix)'], [0xed, 'APP13 (IPTC)'], [0xee, 'APP14'], [0xfe, 'COM']]);
const segmentName = (m: number) => SEGMENT_NAMES.get(m) ?? (m === 0xe0 ? 'APP0' : `APP${m - 0xe0}`);

/**
 * A JPEG rewritten without its metadata, walked marker by marker: APP1–APP15 and COM segments (EXIF can carry a
 * patient's name, dates, device serials; XMP and IPTC likewise) are dropped, a JFIF APP0 is kept without its
 * thumbnail (a thumbnail can show the uncropped original), and anything after EOI is cut. Frame, tables and
 * entropy-coded scan data are copied byte for byte, so the picture is unchanged. An Adobe APP14 record (12 fixed
 * bytes of colour-transform flags, no text) is the one APPn kept: without it some decoders get the colours wrong.
 * The size comes from the frame header (side limit) and the file must have a scan and end with EOI.
 */
function cleanJpeg(b: Buffer, name: string): { bytes: Buffer; width: number; height: number; removed: string[] } {
  const out: Buffer[] = [b.subarray(0, 2)];
  const removed: string[] = [];
  let size: { width: number; height: number } | null = null;
  let scans = 0;
  let i = 2;
  while (i + 2 <= b.length) {
    if (b[i] !== 0xff) throw unreadable(name, `JPEG 段标记错误（偏移 ${i}）`);
    const marker = b[i + 1];
    if (marker === 0xff) { i++; continue; }
    if (marker === 0xd9) {
      if (!size || !scans) throw unreadable(name, size ? 'JPEG 中没有图像数据（缺少 SOS）' : 'JPEG 中没有帧头');
      if (i + 2 < b.length) removed.push(`${b.length - i - 2} bytes after EOI`);
      out.push(b.subarray(i, i + 2));
      return { bytes: Buffer.concat(out), ...size, removed };
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { out.push(b.subarray(i, i + 2)); i += 2; continue; }
    if (i + 4 > b.length) break;
    const len = b.readUInt16BE(i + 2);
    if (len < 2 || i + 2 + len > b.length) throw unreadable(name, 'JPEG 段长度越界');
    const segment = b.subarray(i, i + 2 + len);
    const payload = segment.subarray(4);
    if (marker === 0xe0) {
      if (payload.length >= 14 && payload.toString('latin1', 0, 5) === 'JFIF\0') {
        // Version, units and density kept; thumbnail width/height set to 0 and its pixels dropped.
        const jfif = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...payload.subarray(0, 12), 0x00, 0x00]);
        if (len > 16) removed.push('APP0 thumbnail');
        out.push(jfif);
      } else removed.push(segmentName(marker));
    } else if (isMetadataMarker(marker) && !(marker === 0xee && len === 14 && payload.toString('latin1', 0, 5) === 'Adobe')) {
      removed.push(segmentName(marker));
    } else out.push(segment);
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof) {
      if (len < 7) throw unreadable(name, 'JPEG 帧头过短');
      size = { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
      checkSide(name, size.width, size.height);
    }
    i += 2 + len;
    if (marker === 0xda) {
      if (!size) throw unreadable(name, 'JPEG 扫描数据在帧头之前');
      scans++;
      // Entropy-coded data runs to the next marker that is neither a stuffed 0xFF00 nor a restart marker.
      let j = i;
      while (j < b.length && !(b[j] === 0xff && j + 1 < b.length && b[j + 1] !== 0x00 && !(b[j + 1] >= 0xd0 && b[j + 1] <= 0xd7))) j++;
      out.push(b.subarray(i, j));
      i = j;
    }
  }
  throw unreadable(name, size ? 'JPEG 不完整（缺少结束标记）' : 'JPEG 中没有帧头');
}

/** The ancillary chunk types of a PNG (tEXt, iTXt, zTXt, eXIf, tIME…): re-encoding drops them all. */
function ancillaryChunks(b: Buffer): string[] {
  const out = new Set<string>();
  for (let i = 8; i + 12 <= b.length; ) {
    const len = b.readUInt32BE(i);
    const type = b.toString('latin1', i + 4, i + 8);
    if (type[0] >= 'a' && type[0] <= 'z') out.add(type);
    i += 12 + len;
  }
  return [...out];
}

function renderDicom(bytes: Buffer, name: string, window?: WindowLevel): Omit<Figure, 'sha256'> {
  const v = loadImage([{ name, bytes }]);
  const [nx, ny, nz] = v.geometry.dims;
  checkSide(name, nx, ny);
  const k = Math.floor(nz / 2);
  const header = { center: Number(v.meta.windowCenter), width: Number(v.meta.windowWidth) };
  const wl = window ?? (Number.isFinite(header.center) && header.width > 0 ? header : { center: 40, width: 400 });
  if (!(wl.width > 0)) throw new AppError('VALIDATION_FAILED', `窗宽须大于 0 / window width must be > 0`, { field: 'windowWidth' });
  const png = new PNG({ width: nx, height: ny });
  const lo = wl.center - wl.width / 2;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const g = Math.max(0, Math.min(255, Math.round(((v.data[i + nx * (j + ny * k)] - lo) / wl.width) * 255)));
      const o = (i + nx * j) * 4;
      png.data[o] = g;
      png.data[o + 1] = g;
      png.data[o + 2] = g;
      png.data[o + 3] = 255;
    }
  }
  return { mime: 'image/png', bytes: PNG.sync.write(png), width: nx, height: ny, source: 'dicom', removed: [] };
}
