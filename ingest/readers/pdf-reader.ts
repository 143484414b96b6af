import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getDocument, OPS, type PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { AppError, normalizeText } from '../../core/index.ts';
import type { Block, ParsedDocument, SourceMetaInput } from '../document.ts';
import { tooManyPages } from './read-limits.ts';
import { furnitureOf } from './pdf/furniture.ts';
import { pageGeometry, type PageGeometry } from './pdf/geometry.ts';
import { findGrids } from './pdf/grids.ts';
import { pageBlocks } from './pdf/layout.ts';
import { isBoldFont, type Line, lineGroups, lineOf, type Piece, splitAtGaps, toLines } from './pdf/lines.ts';
import { alignedTables, gridTable, type PlacedTable } from './pdf/tables.ts';

const PDFJS_DIR = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
/** CJK PDFs that use predefined CMaps (not embedded ones) need pdf.js's CMap files to map glyphs to text. */
const CMAP_URL = `${pathToFileURL(path.join(PDFJS_DIR, 'cmaps')).href}/`;
const STANDARD_FONTS_URL = `${pathToFileURL(path.join(PDFJS_DIR, 'standard_fonts')).href}/`;

interface PageContent {
  pieces: Piece[];
  geometry: PageGeometry;
}

/**
 * PDF → blocks with structure, from pdf.js text positions and drawing operators: ruled tables (and
 * column-aligned ones) become table blocks; headings come only from section numbers set larger or
 * bold, or from clearly larger type; running headers, footers and folios are dropped. The document is
 * hostile input: pdf.js runs with `isEvalSupported: false` (no code generated from font data).
 * Scanned PDFs without a text layer are refused: they need OCR. Pure: bytes in, document out.
 */
export async function readPdf(bytes: Uint8Array, fileName: string, opts: { maxPages?: number } = {}): Promise<ParsedDocument> {
  let doc: PDFDocumentProxy;
  try {
    // pdf.js takes ownership of (and detaches) the buffer it is given: pass a copy.
    doc = await getDocument({
      data: new Uint8Array(bytes), verbosity: 0, isEvalSupported: false, cMapUrl: CMAP_URL, cMapPacked: true, standardFontDataUrl: STANDARD_FONTS_URL,
      useSystemFonts: false,
    }).promise;
  } catch (e) {
    throw pdfError(e, fileName);
  }
  try {
    // A document with more than `maxPages` pages is refused before any page is read.
    if (opts.maxPages !== undefined && doc.numPages > opts.maxPages) throw tooManyPages(fileName, doc.numPages, opts.maxPages);
    const pages: PageContent[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      try {
        pages.push(await pageContent(doc, n));
      } catch (e) {
        throw pdfError(e, fileName);
      }
    }
    const textChars = pages.reduce((n, p) => n + p.pieces.reduce((m, x) => m + x.str.replace(/\s+/g, '').length, 0), 0);
    if (textChars < 20) {
      throw new AppError('PDF_NO_TEXT_LAYER', `${fileName} 没有文字层（可能是扫描件），需要先进行 OCR / PDF has no text layer: needs OCR`, {
        field: 'file',
        details: { pages: doc.numPages },
      });
    }
    const blocks = structure(pages);
    const meta: SourceMetaInput = {};
    const info = ((await doc.getMetadata().catch(() => null))?.info ?? {}) as Record<string, unknown>;
    const title = typeof info.Title === 'string' ? normalizeText(info.Title).trim() : '';
    if (title) meta.title = title;
    return { blocks, pageCount: doc.numPages, paging: 'native', meta };
  } finally {
    await doc.destroy().catch(() => undefined);
  }
}

function pdfError(e: unknown, fileName: string): AppError {
  if (e instanceof AppError) return e;
  const name = (e as Error)?.name ?? '';
  if (name === 'PasswordException' || /password/i.test(String((e as Error)?.message))) {
    return new AppError('PDF_ENCRYPTED', `${fileName} 已加密（需要密码），无法读取 / PDF is password-protected`, { field: 'file', cause: e });
  }
  return new AppError('PDF_CORRUPT', `${fileName} 不是有效的 PDF 或已损坏 / corrupt PDF: ${(e as Error)?.message}`, { field: 'file', cause: e });
}

async function pageContent(doc: PDFDocumentProxy, n: number): Promise<PageContent> {
  const page = await doc.getPage(n);
  try {
    // The operator list first: it loads the fonts, whose names tell bold faces apart.
    const ops = await page.getOperatorList();
    const geometry = pageGeometry(ops.fnArray, ops.argsArray, OPS);
    const content = await page.getTextContent();
    const fontName = (id: string): string | undefined => {
      try {
        return page.commonObjs.has(id) ? (page.commonObjs.get(id) as { name?: string }).name : undefined;
      } catch {
        return undefined;
      }
    };
    const bold = new Map<string, boolean>();
    const pieces: Piece[] = [];
    for (const item of content.items) {
      if (!('str' in item) || !item.str) continue;
      const [a, b, , , e, f] = item.transform as number[];
      const size = Math.hypot(a, b);
      if (!(size > 0)) continue;
      if (!bold.has(item.fontName)) bold.set(item.fontName, isBoldFont(fontName(item.fontName)));
      pieces.push({ str: item.str, x: e, y: f, w: item.width, size, bold: bold.get(item.fontName) ?? false });
    }
    return { pieces, geometry };
  } finally {
    page.cleanup();
  }
}

/**
 * All pages → blocks. Furniture first (it can overlap a table or a line of text run to the page's
 * foot), judged on line runs across pages; then ruled tables come out of the text flow, then column-aligned ones,
 * then the remaining lines are laid out.
 */
function structure(pages: PageContent[]): Block[] {
  const grouped = pages.map((p) => lineGroups(p.pieces).flatMap(splitAtGaps).map((g) => ({ pieces: g, line: lineOf(g) })));
  const isFurniture = furnitureOf(grouped.map((lines) => lines.map((l) => l.line)));
  return pages.flatMap((p, i) => {
    let rest = grouped[i].filter((l) => !isFurniture(i, l.line)).flatMap((l) => l.pieces);
    const tables: PlacedTable[] = [];
    for (const grid of findGrids(p.geometry.hRules, p.geometry.vRules)) {
      const { placed, used } = gridTable(grid, rest);
      if (!placed) continue;
      tables.push(placed);
      rest = rest.filter((x) => !used.has(x));
    }
    let lines = toLines(rest);
    const aligned = alignedTables(lines);
    const taken = new Set<Line>(aligned.flatMap((a) => a.lines));
    lines = lines.filter((l) => !taken.has(l));
    return pageBlocks(i + 1, lines, [...tables, ...aligned.map((a) => a.placed)], p.geometry.dots);
  });
}
