import { AppError } from '../../core/index.ts';
import type { Block } from '../document.ts';

/** Per-document bounds every reader honours (set from YZ_MAX_PAGES, YZ_MAX_DECOMPRESSED_MB, YZ_MAX_DECOMPRESSION_RATIO). */
export interface ReadLimits {
  maxPages: number;
  /** Ceiling on what a PDF's compressed streams may inflate to, in total. */
  maxDecompressedBytes: number;
  /** Inflated ÷ compressed size allowed before the ceiling (a PDF of n MB may inflate to ratio × n MB, at least 64 MB). */
  maxDecompressionRatio: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { maxPages: 10_000, maxDecompressedBytes: 512 * 1048576, maxDecompressionRatio: 100 };

/** Highest page number a marker may name: the pages table and the page API stay within it. */
export const MAX_PAGE_NUMBER = 100_000;

export function tooManyPages(fileName: string, pages: number, maxPages: number): AppError {
  return new AppError('TOO_MANY_PAGES', `${fileName} 共 ${pages} 页，超过上限 ${maxPages} 页（YZ_MAX_PAGES）/ too many pages: ${pages} > ${maxPages}`, {
    field: 'file',
    details: { pages, limit: maxPages, setting: 'YZ_MAX_PAGES' },
  });
}

/**
 * Page numbers a document states must be citable: whole numbers from 1 to MAX_PAGE_NUMBER that never go
 * backwards (two books joined, each starting at page 1, would make "page 3" ambiguous and chunks span
 * backwards), and no more distinct pages than `maxPages`.
 */
export function checkPageNumbers(blocks: Block[], fileName: string, maxPages: number): void {
  let previous = 0;
  let distinct = 0;
  for (const b of blocks) {
    if (!Number.isInteger(b.page) || b.page < 1 || b.page > MAX_PAGE_NUMBER) {
      throw new AppError('PAGE_NUMBER_INVALID', `${fileName} 中的页码 ${b.page} 无效（应为 1–${MAX_PAGE_NUMBER}）/ invalid page number ${b.page}`, {
        field: 'file',
        details: { page: b.page, max: MAX_PAGE_NUMBER },
      });
    }
    if (b.page < previous) {
      throw new AppError(
        'PAGE_MARKERS_OUT_OF_ORDER',
        `${fileName} 的页码标记倒退：第 ${previous} 页之后出现第 ${b.page} 页（可能是两份文档拼接）。请拆分为单独的文件，或改为连续页码 / page markers go backwards (page ${b.page} after page ${previous}): split the file or number pages continuously`,
        { field: 'file', details: { after: previous, page: b.page } },
      );
    }
    if (b.page !== previous) distinct++;
    previous = b.page;
  }
  if (distinct > maxPages) throw tooManyPages(fileName, distinct, maxPages);
}
