import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import { AppError } from '../core/index.ts';
import { loadImage } from '../imaging/index.ts';

/** What a teaching figure may be: small enough to show in an exam, never a decompression bomb. */
export const FIGURE_LIMITS = { maxBytes: 8 * 1024 * 1024, maxDicomBytes: 32 * 1024 * 1024, maxSide: 4096 } as const;

export interface Figure {
  mime: 'image/png' | 'image/jpeg';
  bytes: Buffer;
  width: number;
  height: number;
  source: 'png' | 'jpeg' | 'dicom';
  sha256: string;
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
 * chunk; JPEG is walked marker by marker to its frame header and end; a DICOM file is read by the imaging
 * capability and its slice rendered to PNG with the given window/level (or the header's, or a soft-tissue
 * window). Anything else is refused naming what it looks like.
 */
export function readFigure(bytes: Buffer, name: string, opts: { window?: WindowLevel } = {}): Figure {
  const limit = isDicom(bytes) ? FIGURE_LIMITS.maxDicomBytes : FIGURE_LIMITS.maxBytes;
  if (bytes.length > limit) throw new AppError('FILE_TOO_LARGE', `图像“${name}”${(bytes.length / 1048576).toFixed(1)} MB，超过上限 ${limit / 1048576} MB / figure too large`, { field: 'file' });
  let out: Omit<Figure, 'sha256'>;
  if (isPng(bytes)) out = readPng(bytes, name);
  else if (isJpeg(bytes)) out = { mime: 'image/jpeg', bytes, ...jpegSize(bytes, name), source: 'jpeg' };
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
  return { mime: 'image/png', bytes: clean, width: png.width, height: png.height, source: 'png' };
}

/** A JPEG's size from its SOF segment; the segments up to it must be well formed and the file must end with EOI. */
function jpegSize(b: Buffer, name: string): { width: number; height: number } {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) throw unreadable(name, `JPEG 段标记错误（偏移 ${i}）`);
    const marker = b[i + 1];
    if (marker === 0xff) { i++; continue; }
    const len = b.readUInt16BE(i + 2);
    if (len < 2 || i + 2 + len > b.length) throw unreadable(name, 'JPEG 段长度越界');
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof) {
      if (len < 7) throw unreadable(name, 'JPEG 帧头过短');
      const height = b.readUInt16BE(i + 5);
      const width = b.readUInt16BE(i + 7);
      checkSide(name, width, height);
      if (!(b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9)) throw unreadable(name, 'JPEG 不完整（缺少结束标记）');
      return { width, height };
    }
    i += 2 + len;
  }
  throw unreadable(name, 'JPEG 中没有帧头');
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
  return { mime: 'image/png', bytes: PNG.sync.write(png), width: nx, height: ny, source: 'dicom' };
}
