import { createInflate, type Inflate } from 'node:zlib';
import { AppError } from '../../core/index.ts';
import type { ReadLimits } from './read-limits.ts';

/** Below this, inflation is never suspicious whatever the ratio (small PDFs with big fonts). */
const RATIO_FLOOR_BYTES = 64 * 1048576;

interface FlateStream {
  data: Uint8Array;
  /** How many FlateDecode filters apply in a row from the first (a double-deflated bomb has 2). */
  stages: number;
}

/**
 * Refuse a deflate bomb before pdf.js inflates it. Every Flate-compressed stream the text extractor
 * may decode (content, fonts, forms, object streams — not images, which text extraction never decodes)
 * is inflated with native zlib, counting output without keeping it, until the document's budget —
 * min(maxDecompressedBytes, max(64 MB, ratio × file size)) — is spent. Chained Flate filters are
 * followed; other filters (LZW, RunLength) are left to the parse time and memory limits of the worker.
 */
export async function checkPdfInflation(bytes: Uint8Array, fileName: string, limits: ReadLimits): Promise<{ inflatedBytes: number }> {
  const budget = Math.min(limits.maxDecompressedBytes, Math.max(RATIO_FLOOR_BYTES, limits.maxDecompressionRatio * bytes.length));
  let inflated = 0;
  for (const stream of flateStreams(bytes)) {
    inflated += await inflatedSize(stream, budget - inflated + 1);
    if (inflated > budget) {
      throw new AppError(
        'DECOMPRESSION_LIMIT',
        `${fileName} 解压后超过 ${(budget / 1048576).toFixed(0)} MB（文件 ${(bytes.length / 1048576).toFixed(1)} MB；YZ_MAX_DECOMPRESSED_MB / YZ_MAX_DECOMPRESSION_RATIO），疑似压缩炸弹 / PDF inflates beyond the decompression limit (possible deflate bomb)`,
        { field: 'file', details: { fileBytes: bytes.length, limitBytes: budget, settings: ['YZ_MAX_DECOMPRESSED_MB', 'YZ_MAX_DECOMPRESSION_RATIO'] } },
      );
    }
  }
  return { inflatedBytes: inflated };
}

/** Streams with FlateDecode first in their filter list, found by scanning for `stream`…`endstream`. */
function* flateStreams(bytes: Uint8Array): Generator<FlateStream> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const keyword = /stream\r?\n/g;
  for (let m = keyword.exec(text); m; m = keyword.exec(text)) {
    if (text.startsWith('end', m.index - 3)) continue;
    const start = m.index + m[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) return;
    keyword.lastIndex = end + 9;
    const dict = text.slice(Math.max(0, text.lastIndexOf('obj', m.index)), m.index);
    if (/\/Subtype\s*\/Image\b/.test(dict)) continue;
    const filters = /\/Filter\s*(\[[^\]]*\]|\/[A-Za-z0-9]+)/.exec(dict)?.[1].match(/\/[A-Za-z0-9]+/g) ?? [];
    let stages = 0;
    while (stages < filters.length && (filters[stages] === '/FlateDecode' || filters[stages] === '/Fl')) stages++;
    if (stages > 0) yield { data: bytes.subarray(start, end), stages };
  }
}

/** Bytes the stream inflates to, counting at most `limit` (then it stops); corrupt data counts what came out before the error. */
function inflatedSize(stream: FlateStream, limit: number): Promise<number> {
  return new Promise((resolve) => {
    const chain: Inflate[] = Array.from({ length: stream.stages }, () => createInflate());
    let size = 0;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      for (const z of chain) z.destroy();
      resolve(size);
    };
    for (let i = 0; i + 1 < chain.length; i++) chain[i].pipe(chain[i + 1]);
    for (const z of chain) z.on('error', finish);
    const last = chain[chain.length - 1];
    last.on('data', (d: Buffer) => {
      size += d.length;
      if (size > limit) finish();
    });
    last.on('end', finish);
    chain[0].end(stream.data);
  });
}
