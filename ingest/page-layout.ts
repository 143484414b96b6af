import { AppError } from '../core/index.ts';
import type { Block } from './document.ts';
import type { PageTable } from './table-chunks.ts';

/** A block's structure without its text: the text is a span of the stored page text. */
export type BlockLayout = Omit<Block, 'page' | 'text'> & { n: number };

/** A page as stored: the text the passage viewer shows, and the blocks it was assembled from. */
export interface StoredPage {
  page: number;
  text: string;
  layout: BlockLayout[];
}

const SEPARATOR = '\n\n';

/**
 * Pages from blocks, exactly as the chunker assembles them (block texts of a page joined by a blank
 * line), each with the layout that recovers its blocks. Storing the layout is what makes "parse
 * once" possible: chunks are derived from stored pages, by any worker, without the original file.
 */
export function pagesFromBlocks(blocks: Block[]): StoredPage[] {
  const byPage = new Map<number, StoredPage>();
  for (const { page, text, ...rest } of blocks) {
    let p = byPage.get(page);
    if (!p) {
      p = { page, text: '', layout: [] };
      byPage.set(page, p);
    } else {
      p.text += SEPARATOR;
    }
    p.text += text;
    p.layout.push({ ...rest, n: text.length });
  }
  return [...byPage.values()].sort((a, b) => a.page - b.page);
}

/** The blocks of stored pages, in reading order (the inverse of pagesFromBlocks). */
export function blocksFromPages(pages: StoredPage[]): Block[] {
  const blocks: Block[] = [];
  for (const p of pages) {
    let at = 0;
    p.layout.forEach(({ n, ...rest }, i) => {
      if (i > 0) at += SEPARATOR.length;
      blocks.push({ ...rest, page: p.page, text: p.text.slice(at, at + n) });
      at += n;
    });
    if (at !== p.text.length) {
      throw new AppError('INTERNAL', `stored page ${p.page} does not match its layout (${at} ≠ ${p.text.length} characters)`);
    }
  }
  return blocks;
}

/**
 * The tables of stored pages with their place in the page text, numbered in document order — the same
 * ordinals and spans the chunker gives them (its table chunks refer to them), without chunking.
 */
export function tablesFromPages(pages: StoredPage[]): PageTable[] {
  const out: PageTable[] = [];
  for (const p of pages) {
    let at = 0;
    p.layout.forEach(({ n, table }, i) => {
      if (i > 0) at += SEPARATOR.length;
      if (table) out.push({ ordinal: out.length, page: p.page, charStart: at, charEnd: at + n, table });
      at += n;
    });
  }
  return out;
}
