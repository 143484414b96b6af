import { AppError, normalizeText } from '../../core/index.ts';
import type { Block, ParsedDocument, SourceMetaInput } from '../document.ts';
import { linesToBlocks } from './plain-blocks.ts';
import { tooManyPages } from './read-limits.ts';

/**
 * PDF text per page (pdf-parse over pdf.js). Scanned PDFs without a text layer are refused: they need
 * OCR. A document with more than `maxPages` pages is refused before any page is read. pdf-parse is
 * loaded on first use: its pdf.js build replaces Array.prototype.push with a slower polyfill for the
 * whole thread, and the server parses PDFs only in its parser worker threads.
 */
export async function readPdf(bytes: Uint8Array, fileName: string, opts: { maxPages?: number } = {}): Promise<ParsedDocument> {
  const { PDFParse } = await import('pdf-parse');
  // pdf.js takes ownership of (and detaches) the buffer it is given: pass a copy. A document's fonts
  // are never compiled to functions (isEvalSupported) and no system fonts are read.
  const parser = new PDFParse({ data: new Uint8Array(bytes), isEvalSupported: false, useSystemFonts: false, disableFontFace: true });
  try {
    let pages: Array<{ num: number; text: string }>;
    let info: Record<string, unknown> = {};
    try {
      const about = await parser.getInfo();
      if (opts.maxPages !== undefined && about.total > opts.maxPages) throw tooManyPages(fileName, about.total, opts.maxPages);
      info = (about.info ?? {}) as Record<string, unknown>;
      pages = (await parser.getText({ pageJoiner: '' })).pages;
    } catch (e) {
      if (e instanceof AppError) throw e;
      const name = (e as Error)?.name ?? '';
      if (name === 'PasswordException' || /password/i.test(String((e as Error)?.message))) {
        throw new AppError('PDF_ENCRYPTED', `${fileName} 已加密（需要密码），无法读取 / PDF is password-protected`, { field: 'file', cause: e });
      }
      throw new AppError('PDF_CORRUPT', `${fileName} 不是有效的 PDF 或已损坏 / corrupt PDF: ${(e as Error)?.message}`, { field: 'file', cause: e });
    }
    const blocks: Block[] = [];
    let textChars = 0;
    for (const p of pages) {
      const text = stripPageFurniture(normalizeText(p.text));
      textChars += text.replace(/\s+/g, '').length;
      blocks.push(...linesToBlocks(text, p.num));
    }
    if (textChars < 20) {
      throw new AppError('PDF_NO_TEXT_LAYER', `${fileName} 没有文字层（可能是扫描件），需要先进行 OCR / PDF has no text layer: needs OCR`, {
        field: 'file',
        details: { pages: pages.length },
      });
    }
    const meta: SourceMetaInput = {};
    const title = typeof info.Title === 'string' ? normalizeText(info.Title).trim() : '';
    if (title) meta.title = title;
    return { blocks, pageCount: pages.length, paging: 'native', meta };
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}

/**
 * Folio lines are page furniture, not content: "— 12 —", "第 4 页", "Page 2 of 9" anywhere, and a
 * bare number only as a page's first or last line (elsewhere it may be a table cell). Tabs come from
 * table cells.
 */
export function stripPageFurniture(text: string): string {
  const lines = text.split('\n');
  const nonEmpty = lines.map((l, i) => (l.trim() ? i : -1)).filter((i) => i >= 0);
  const edges = new Set([nonEmpty[0], nonEmpty.at(-1)]);
  return lines
    .filter((line, i) => {
      if (/^\s*(?:[—–-]\s*\d{1,4}\s*[—–-]|第\s*\d{1,4}\s*页|(?:page\s+)?\d{1,4}\s*(?:\/|of)\s*\d{1,4})\s*$/i.test(line)) return false;
      return !(edges.has(i) && /^\s*\d{1,4}\s*$/.test(line));
    })
    .join('\n')
    .replace(/\t+/g, ' ');
}
