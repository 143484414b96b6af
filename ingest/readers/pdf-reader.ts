import { PDFParse } from 'pdf-parse';
import { AppError, normalizeText } from '../../core/index.ts';
import type { Block, ParsedDocument, SourceMetaInput } from '../document.ts';
import { linesToBlocks } from './plain-blocks.ts';

/** PDF text per page (pdf-parse over pdf.js). Scanned PDFs without a text layer are refused: they need OCR. */
export async function readPdf(bytes: Uint8Array, fileName: string): Promise<ParsedDocument> {
  // pdf.js takes ownership of (and detaches) the buffer it is given: pass a copy.
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    let pages: Array<{ num: number; text: string }>;
    let info: Record<string, unknown> = {};
    try {
      const result = await parser.getText({ pageJoiner: '' });
      pages = result.pages;
      info = ((await parser.getInfo()).info ?? {}) as Record<string, unknown>;
    } catch (e) {
      const name = (e as Error)?.name ?? '';
      if (name === 'PasswordException' || /password/i.test(String((e as Error)?.message))) {
        throw new AppError('PDF_ENCRYPTED', `${fileName} 已加密（需要密码），无法读取 / PDF is password-protected`, { field: 'file', cause: e });
      }
      throw new AppError('PDF_CORRUPT', `${fileName} 不是有效的 PDF 或已损坏 / corrupt PDF: ${(e as Error)?.message}`, { field: 'file', cause: e });
    }
    const blocks: Block[] = [];
    let textChars = 0;
    for (const p of pages) {
      const text = normalizeText(p.text);
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
