import { gunzipSync } from 'node:zlib';
import { AppError } from '../../core/index.ts';

/** Limits every image reader enforces (YZ_IMAGING_MAX_MB): a file, and what a gzip stream may inflate to. */
export interface ReadLimits {
  maxBytes: number;
}

export const DEFAULT_LIMITS: ReadLimits = { maxBytes: 1024 * 1024 * 1024 };

export const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

export function checkSize(bytes: number, what: string, limits: ReadLimits): void {
  if (bytes > limits.maxBytes) {
    throw new AppError('FILE_TOO_LARGE', `${what} 超过影像文件上限 ${mb(limits.maxBytes)} MB（${mb(bytes)} MB）/ ${what} is ${mb(bytes)} MB, over the ${mb(limits.maxBytes)} MB imaging limit (YZ_IMAGING_MAX_MB)`, { field: 'file' });
  }
}

/** Inflate a gzip stream, refusing a corrupt stream and one that would inflate past the limit (a gzip bomb). */
export function gunzipLimited(b: Uint8Array, what: string, limits: ReadLimits): Buffer {
  try {
    return gunzipSync(b, { maxOutputLength: limits.maxBytes });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|buffer.*too large/i.test(String((e as Error).message))) {
      throw new AppError('FILE_TOO_LARGE', `${what} 解压后超过影像上限 / ${what} inflates past the ${mb(limits.maxBytes)} MB imaging limit`, { field: 'file' });
    }
    throw new AppError('IMAGE_UNREADABLE', `${what} 的 gzip 数据已损坏 / ${what}: corrupt gzip stream (${code ?? (e as Error).message})`, { field: 'file' });
  }
}

const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
