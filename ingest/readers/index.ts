import path from 'node:path';
import { AppError } from '../../core/index.ts';
import type { FileType, ParsedDocument } from '../document.ts';
import { readHtml } from './html-reader.ts';
import { readMarkdown } from './markdown-reader.ts';
import { readPdf } from './pdf-reader.ts';
import { readText } from './text-reader.ts';
import { checkPdfInflation } from './pdf-inflation.ts';
import { checkPageNumbers, DEFAULT_READ_LIMITS, type ReadLimits } from './read-limits.ts';

const EXTENSIONS: Record<string, FileType> = {
  '.pdf': 'pdf',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
  '.text': 'text',
};

/** File type from magic bytes first (a PDF is a PDF whatever its name), then the extension. */
export function detectFileType(bytes: Uint8Array, fileName: string): FileType {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  const ext = path.extname(fileName).toLowerCase();
  if (head.includes('%PDF-')) return 'pdf';
  const byExt = EXTENSIONS[ext];
  if (byExt === 'pdf') {
    throw new AppError('PDF_CORRUPT', `${fileName} 扩展名为 .pdf 但不是 PDF 文件 / not a PDF (no %PDF header)`, { field: 'file' });
  }
  if (byExt) return byExt;
  throw new AppError(
    'UNSUPPORTED_FILE_TYPE',
    `不支持的文件类型 ${ext || '(无扩展名)'}：支持 PDF、Markdown、HTML、TXT / unsupported file type`,
    { field: 'file', details: { fileName, supported: Object.keys(EXTENSIONS) } },
  );
}

/**
 * Parse a document into blocks with page numbers, within `limits`: pure and synchronous apart from PDF
 * work, so it runs the same in the parser worker threads (the server), in tests and in evaluations.
 * The page numbers of every reader are checked here (citable, never backwards, at most maxPages).
 */
export async function readDocument(
  bytes: Uint8Array,
  fileName: string,
  type = detectFileType(bytes, fileName),
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<ParsedDocument> {
  if (bytes.length === 0) throw new AppError('EMPTY_FILE', `${fileName} 是空文件（0 字节）/ empty file`, { field: 'file' });
  if (type === 'pdf') await checkPdfInflation(bytes, fileName, limits);
  const doc =
    type === 'pdf'
      ? await readPdf(bytes, fileName, { maxPages: limits.maxPages })
      : type === 'markdown'
        ? readMarkdown(bytes, fileName)
        : type === 'html'
          ? readHtml(bytes, fileName)
          : readText(bytes, fileName);
  if (!doc.blocks.some((b) => b.text.trim().length > 0)) {
    throw new AppError('NO_TEXT', `${fileName} 中没有可索引的文字 / no text to index`, { field: 'file' });
  }
  checkPageNumbers(doc.blocks, fileName, limits.maxPages);
  return doc;
}
