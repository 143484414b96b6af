import type { Block, ParsedDocument } from '../document.ts';
import { decodeText } from './decode.ts';
import { isSentencePerLine, linesToBlocks, sentenceLinesToBlocks, virtualPages } from './plain-blocks.ts';

/** Plain text (UTF-8 or GB18030/GBK). Form feeds mark pages; without them pages are assigned by size. */
export function readText(bytes: Uint8Array, fileName: string): ParsedDocument {
  const { text } = decodeText(bytes, fileName);
  const normalized = text.replace(/\r\n?/g, '\n');
  if (normalized.includes('\f')) {
    const blocks: Block[] = normalized.split('\f').flatMap((pageText, i) => linesToBlocks(pageText, i + 1));
    return { blocks, pageCount: normalized.split('\f').length, paging: 'marked', meta: {} };
  }
  const toBlocks = isSentencePerLine(normalized) ? sentenceLinesToBlocks : linesToBlocks;
  const blocks = virtualPages(toBlocks(normalized, 1).map(({ page: _page, ...b }) => b));
  return { blocks, pageCount: blocks.reduce((m, b) => Math.max(m, b.page), 0), paging: 'virtual', meta: {} };
}
