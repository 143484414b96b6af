import dicomParser from 'dicom-parser';
import { Decoder } from 'jpeg-lossless-decoder-js';
import { AppError } from '../../core/index.ts';
import { type DicomFile, TAG } from './dicom-dataset.ts';

/**
 * Compressed transfer syntaxes the reader decodes (lossless only: measurements must see the stored values).
 * JPEG Lossless is what most PACS archive with; RLE is simple enough to decode here (PS3.5 Annex G).
 * JPEG-LS and JPEG 2000 have only WebAssembly decoders on npm, which load asynchronously, while the readers
 * are synchronous (the CLI and the job share them); they and every lossy syntax are refused by name.
 */
export const DECODED_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless (process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless (process 14, selection value 1)',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

/** The frame's bytes of a single-frame image in an encapsulated transfer syntax, decoded to little-endian samples. */
export function decodeFrame(f: DicomFile, syntax: string, samples: number, bytesPerSample: number): Uint8Array {
  const el = f.ds.elements[TAG.pixelData];
  if (!el?.encapsulatedPixelData || !el.fragments?.length) {
    throw new AppError('IMAGE_UNREADABLE', `${f.name} 的压缩像素数据不完整 / ${f.name}: ${DECODED_SYNTAXES[syntax]} without encapsulated pixel data fragments`, { field: 'file' });
  }
  const frame = dicomParser.readEncapsulatedPixelDataFromFragments(f.ds, el, 0, el.fragments.length);
  const want = samples * bytesPerSample;
  let out: Uint8Array;
  try {
    out = syntax === '1.2.840.10008.1.2.5' ? decodeRle(frame, samples, bytesPerSample) : decodeJpegLossless(frame, bytesPerSample, f.ds.uint16(TAG.rows) ?? 0, f.ds.uint16(TAG.columns) ?? 0);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('IMAGE_UNREADABLE', `${f.name} 的压缩像素数据无法解码 / ${f.name}: ${DECODED_SYNTAXES[syntax]} pixel data could not be decoded (${(e as Error).message})`, { field: 'file' });
  }
  if (out.length < want) {
    throw new AppError('IMAGE_UNREADABLE', `${f.name} 解码后的像素不足 / ${f.name}: ${DECODED_SYNTAXES[syntax]} decoded to ${out.length} of ${want} bytes`, { field: 'file' });
  }
  return out;
}

function decodeJpegLossless(frame: Uint8Array, bytesPerSample: number, rows: number, cols: number): Uint8Array {
  // The decoder allocates what the stream's frame header says: a hostile header must not size memory.
  const sof = jpegFrameSize(frame);
  if (!sof) throw new Error('no JPEG frame header');
  if (sof.rows !== rows || sof.cols !== cols) throw new Error(`JPEG frame ${sof.cols}×${sof.rows} differs from the image's ${cols}×${rows}`);
  // The decoder reads from an ArrayBuffer: give it exactly the frame (fragments may sit anywhere in the file).
  const copy = frame.slice();
  const px = new Decoder().decode(copy.buffer, 0, copy.length, bytesPerSample);
  return new Uint8Array(px.buffer, px.byteOffset, px.byteLength);
}

/** Rows and columns from the first SOFn marker segment (C0–CF except DHT C4, JPG C8, DAC CC). */
function jpegFrameSize(b: Uint8Array): { rows: number; cols: number } | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const m = b[i + 1];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return { rows: (b[i + 5] << 8) | b[i + 6], cols: (b[i + 7] << 8) | b[i + 8] };
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  return null;
}

/**
 * DICOM RLE (PS3.5 Annex G): a 64-byte header (segment count, 15 offsets), one PackBits segment per byte
 * plane, most significant plane first. Output: little-endian samples.
 */
function decodeRle(frame: Uint8Array, samples: number, bytesPerSample: number): Uint8Array {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < 64) throw new Error('RLE header missing');
  const segments = view.getUint32(0, true);
  if (segments !== bytesPerSample) throw new Error(`${segments} RLE segments for ${bytesPerSample}-byte samples`);
  const out = new Uint8Array(samples * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || end < start) throw new Error(`RLE segment ${s + 1} offsets out of range`);
    // Segment 0 holds the most significant bytes: in little-endian output that is the last byte of a sample.
    const plane = bytesPerSample - 1 - s;
    let i = start;
    let n = 0;
    while (i < end && n < samples) {
      const h = frame[i++] << 24 >> 24; // signed header byte
      if (h >= 0) {
        for (let c = 0; c <= h && n < samples && i < end; c++) out[(n++) * bytesPerSample + plane] = frame[i++];
      } else if (h !== -128) {
        const v = frame[i++];
        for (let c = 0; c < 1 - h && n < samples; c++) out[(n++) * bytesPerSample + plane] = v;
      }
    }
    if (n < samples) throw new Error(`RLE segment ${s + 1} holds ${n} of ${samples} samples`);
  }
  return out;
}
