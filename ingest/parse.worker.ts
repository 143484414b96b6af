/**
 * Tasks of the parser threads (see parse-pool.ts): everything CPU-heavy in ingest — reading files
 * (pdf.js, Markdown, HTML), normalising, chunking and tokenising — runs here, never on the API's event
 * loop. Tasks are pure functions of their input; results and errors cross the thread boundary as
 * plain data (an AppError's code and field survive, which a thrown Error's structured clone would lose).
 */
import { type AppError, detectLanguage, isAppError, loadLanguage } from '../core/index.ts';
import { type ChunkRow, prepareChunkRows } from '../search/index.ts';
import { chunkDocument } from './chunker.ts';
import type { FileType, Paging, SourceMetaInput } from './document.ts';
import { blocksFromPages, pagesFromBlocks, type StoredPage } from './page-layout.ts';
import { readDocument } from './readers/index.ts';
import type { TableRowsRef } from './table-chunks.ts';
import { normalizeBlock } from './tables.ts';
import type { ReadLimits } from './readers/read-limits.ts';

export interface ParseTask {
  bytes: Uint8Array;
  fileName: string;
  type: FileType;
  limits: ReadLimits;
}

export interface ParsedPages {
  meta: SourceMetaInput;
  paging: Paging;
  pageCount: number;
  /** Normalised page texts with their block layout: what is stored, and all chunking ever needs. */
  pages: StoredPage[];
  /** Language guessed from the first blocks (used when neither the uploader nor the file states it). */
  language: 'zh' | 'en';
}

export interface ChunkTask {
  sourceId: string;
  /** The document's title: indexed with every chunk as a weak field. */
  title?: string;
  pages: StoredPage[];
  chunkChars: number;
  /** Ordinals [from, from + count) are tokenised and returned; chunking itself is always of the whole document (it is deterministic). */
  from: number;
  count: number;
}

export interface ChunkSlice {
  total: number;
  rows: ChunkRow[];
  /** The table rows each row chunk of the slice holds (chunk_table_rows). */
  tableRows: Array<{ chunkId: string; ref: TableRowsRef }>;
}

export type TaskError = { code: AppError['code']; message: string; field?: string; details?: Record<string, unknown> };
export type TaskResult<T> = { ok: true; value: T } | { ok: false; error: TaskError };

export async function parse(task: ParseTask): Promise<TaskResult<ParsedPages>> {
  return settle(async () => {
    const doc = await readDocument(task.bytes, task.fileName, task.type, task.limits);
    const blocks = doc.blocks.map(normalizeBlock);
    return {
      meta: doc.meta,
      paging: doc.paging,
      pageCount: doc.pageCount,
      pages: pagesFromBlocks(blocks),
      language: detectLanguage(blocks.slice(0, 200).map((b) => b.text).join('\n')),
    };
  });
}

export async function chunk(task: ChunkTask): Promise<TaskResult<ChunkSlice>> {
  return settle(async () => {
    const { chunks } = chunkDocument(blocksFromPages(task.pages), task.chunkChars);
    const slice = chunks.slice(task.from, task.from + task.count);
    const rows = prepareChunkRows(loadLanguage().tokenizer, task.sourceId, slice, task.title);
    return { total: chunks.length, rows, tableRows: slice.flatMap((c, i) => (c.table ? [{ chunkId: rows[i].id, ref: c.table }] : [])) };
  });
}

/** Load the parser and the dictionary before the first document arrives. */
export async function warm(): Promise<TaskResult<null>> {
  return settle(async () => {
    loadLanguage();
    await import('pdfjs-dist/legacy/build/pdf.mjs');
    return null;
  });
}

async function settle<T>(fn: () => Promise<T>): Promise<TaskResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (isAppError(e)) return { ok: false, error: { code: e.code, message: e.message, field: e.field, details: e.details } };
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return { ok: false, error: { code: 'DOCUMENT_TOO_DEEP', message: '文档结构嵌套过深，无法解析 / document structure nested too deeply to parse', field: 'file' } };
    }
    throw e;
  }
}
