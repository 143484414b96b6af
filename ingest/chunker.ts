import { visibleLength } from '../core/index.ts';
import type { ChunkInput } from '../search/index.ts';
import type { Block } from './document.ts';
import { type PageTable, type TableRowsRef, tableRowChunks } from './table-chunks.ts';
import { type SentenceTopic, sentenceTopics } from './topics.ts';

export interface PageText {
  page: number;
  text: string;
}

/** A chunk as the chunker produces it: the input of the search index, and the table rows it holds (if any). */
export type ChunkDraft = ChunkInput & { table?: TableRowsRef };

interface Piece {
  page: number;
  offset: number;
  text: string;
  block: number;
  /** The topic the block is about in a text without headings (see topics.ts). */
  subject: string | null;
  /** The block opens a topic by its form (SentenceTopic.leads): a chunk cut by size never ends with it. */
  leads: boolean;
}

const SENTENCE = /[^。！？；!?;]*(?:[。！？；!?;]+[”’」』）)]*|$)/g;

/**
 * Chinese-aware chunking. Blocks become page texts (what the passage viewer shows) and chunks of
 * about `targetChars` visible characters that break at sentence ends (。！？；), never inside a
 * sentence unless it alone is oversized, start afresh at chapter-level headings, and carry the
 * heading path and page range they came from. Deterministic: the same blocks give the same chunks,
 * which is what lets an interrupted ingest job resume by ordinal.
 */
export function chunkDocument(blocks: Block[], targetChars: number): { pages: PageText[]; chunks: ChunkDraft[]; tables: PageTable[] } {
  const pageParts = new Map<number, string[]>();
  const pageLen = new Map<number, number>();
  const chunks: ChunkDraft[] = [];
  const tables: PageTable[] = [];
  const headings: string[] = [];
  let current: Piece[] = [];
  let currentSize = 0;
  let currentPath: string[] = [];
  const topics = blockTopics(blocks);

  const flush = () => {
    if (current.length === 0) return;
    const text = current
      .map((p, i) => (i > 0 && p.block !== current[i - 1].block ? `\n${p.text}` : p.text))
      .join('')
      .trim();
    if (text) {
      chunks.push({
        ordinal: chunks.length,
        headingPath: currentPath,
        pageStart: current[0].page,
        pageEnd: current.at(-1)?.page ?? current[0].page,
        charStart: current[0].offset,
        text,
        ...chunkSubject(current),
      });
    }
    current = [];
    currentSize = 0;
  };

  const add = (piece: Piece) => {
    const len = visibleLength(piece.text);
    if (currentSize > 0 && currentSize + len > targetChars && currentSize >= targetChars * 0.3) {
      // A sentence that opens a topic goes with what follows it, not with the end of the topic before.
      const last = current.at(-1);
      const carried = current.length > 1 && last?.leads && last.block !== piece.block ? current.pop() : undefined;
      flush();
      if (carried) {
        currentPath = headings.filter(Boolean);
        current.push(carried);
        currentSize = visibleLength(carried.text);
      }
    }
    if (current.length === 0) currentPath = headings.filter(Boolean);
    current.push(piece);
    currentSize += len;
  };

  blocks.forEach((block, blockIndex) => {
    const parts = pageParts.get(block.page) ?? [];
    const offset = pageLen.get(block.page) ?? 0;
    const sep = parts.length ? 2 : 0;
    parts.push(block.text);
    pageParts.set(block.page, parts);
    pageLen.set(block.page, offset + sep + block.text.length);
    const start = offset + sep;

    if (block.kind === 'table' && block.table) {
      // Tables are chunked row by row with their header (table-chunks.ts), never merged with prose.
      flush();
      tables.push({ ordinal: tables.length, page: block.page, charStart: start, charEnd: start + block.text.length, table: block.table });
      const at = { page: block.page, blockStart: start, firstOrdinal: chunks.length, headingPath: headings.filter(Boolean), tableOrdinal: tables.length - 1 };
      chunks.push(...tableRowChunks(block.table, at));
      return;
    }
    if (block.kind === 'heading') {
      const level = Math.min(Math.max(block.level ?? 1, 1), 6);
      if (level <= 2 || currentSize >= targetChars / 3) flush();
      headings.length = level - 1;
      headings[level - 1] = block.text;
      return;
    }
    const topic = topics.get(blockIndex);
    if (topic?.opens || topic?.breaks) flush();
    for (const s of splitForChunks(block.text, targetChars)) {
      add({ page: block.page, offset: start + s.offset, text: s.text, block: blockIndex, subject: topic?.subject ?? null, leads: topic?.leads === true });
    }
  });
  flush();

  const pages = [...pageParts.entries()].sort((a, b) => a[0] - b[0]).map(([page, parts]) => ({ page, text: parts.join('\n\n') }));
  return { pages, chunks, tables };
}

/** Topics of the text blocks of a document without headings (none when it has headings: they say what a passage is about). */
function blockTopics(blocks: Block[]): Map<number, SentenceTopic> {
  if (blocks.some((b) => b.kind === 'heading')) return new Map();
  const text = [...blocks.entries()].filter(([, b]) => b.kind === 'text');
  const topics = sentenceTopics(text.map(([, b]) => b.text));
  return new Map(text.map(([i], k) => [i, topics[k]]));
}

/** The subject a chunk is about: the first its pieces carry. */
function chunkSubject(pieces: Piece[]): { subject?: string } {
  const subject = pieces.find((p) => p.subject)?.subject;
  return subject ? { subject } : {};
}

/** A block as it is (when small) or as sentences; an oversized sentence is cut at `targetChars`. */
function splitForChunks(text: string, targetChars: number): Array<{ offset: number; text: string }> {
  if (visibleLength(text) <= targetChars) return [{ offset: 0, text }];
  const out: Array<{ offset: number; text: string }> = [];
  for (const m of text.matchAll(SENTENCE)) {
    const s = m[0];
    if (!s) continue;
    const at = m.index ?? 0;
    if (s.length <= targetChars * 1.5) {
      out.push({ offset: at, text: s });
      continue;
    }
    for (let i = 0; i < s.length; i += targetChars) out.push({ offset: at + i, text: s.slice(i, i + targetChars) });
  }
  return out;
}
